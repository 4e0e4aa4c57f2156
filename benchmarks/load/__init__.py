"""Fleet load mode (`mjlab load`): Locust users that are phones, driven against a served stack on loopback.

`locustfile.py` holds the phones (run only inside Locust's processes); `run.py` prepares the stack (a sandbox, the
app with its APNs key and Firebase project, a campaign), runs Locust alone or as a master with workers, bounded by
phone count and time, and reads back what the phones received.
"""
