"""Run moto's S3 server on 127.0.0.1 without its per-request log lines."""

from __future__ import annotations

import argparse
import logging

from moto import server


def main(argv: list[str] | None = None) -> None:
    """Start `moto.server` with werkzeug's request logging turned down to warnings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger(__name__).info("moto S3 server on http://127.0.0.1:%d", args.port)
    server.main(["-H", "127.0.0.1", "-p", str(args.port)])


if __name__ == "__main__":
    main()
