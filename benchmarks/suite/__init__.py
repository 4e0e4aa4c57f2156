"""The registered benchmarks of `mjlab bench`, one module per area (listed in `benchmarks.BENCHMARK_MODULES`).

Each module registers its functions with `@benchmarks.benchmark`; each function measures in worker processes
(`BenchContext.worker`) and returns `Figure`s, every one beside the baseline measured in the same run.
"""
