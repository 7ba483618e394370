"""A fake TDW build for tests: the real zmq protocol, the tdw 1.13 command API, a tiny scene model."""
