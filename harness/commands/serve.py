"""`mjlab serve`: run the whole stack on ports, for network mode, the Docker image, real SDK clients and people.

Ports are a block from `--port`: core (the platform API, `/_sim`, the device link), apns (HTTP/2 cleartext, as
Apple's clients speak it), apns_http1 (the same gateway over HTTP/1.1), fcm (FCM v1 and Google's token endpoint).
`--port 0` takes free ephemeral ports. `--endpoints-file F` writes every part's base URL as JSON once all listen.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from harness.commands import Subparsers
from harness.options import DEFAULT_SEED


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Add `mjlab serve` and its options."""
    parser = subparsers.add_parser(
        "serve", help="serve the stack on loopback ports (network mode)", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8500, help="first port of the block; 0 for ephemeral (default 8500)"
    )
    parser.add_argument("--public-host", help="host name to write in the endpoints file (default: the listen host)")
    parser.add_argument(
        "--clock", choices=["system", "virtual"], default="system",
        help="system: wall time (default); virtual: time moves only through /_sim/clock/advance",
    )  # fmt: skip
    parser.add_argument("--seed", default=DEFAULT_SEED, help=f"seed of ids and random choices (default {DEFAULT_SEED})")
    parser.add_argument("--endpoints-file", metavar="F", help="write each part's base URL to F as JSON")
    parser.add_argument(
        "--state-file", metavar="F",
        help="keep the state in this SQLite file and resume it on start (a killed server loses nothing)",
    )  # fmt: skip
    return parser


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    from simulator.server import serve

    if not 0 <= args.port <= 65535 - 25:
        print(f"mjlab serve: --port must be between 0 and {65535 - 25}", file=sys.stderr)
        return 2
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(
                serve(
                    host=args.host, port=args.port, clock=args.clock, seed=args.seed,
                    endpoints_file=args.endpoints_file, public_host=args.public_host, state_file=args.state_file,
                )
            )  # fmt: skip
    except OSError as error:
        print(f"mjlab serve: {error}", file=sys.stderr)
        return 1
    return 0
