"""The image's HEALTHCHECK: exit 0 when the server in this container answers 200 on /health.

/health answers 503 when the server cannot reach its database. The request names a host the
server accepts (the first of REPROSTORE_ALLOWED_HOSTS, else 127.0.0.1), since Django refuses
others with 400 before /health runs. Standard library only; no curl in the image.
"""

import os
import sys
import urllib.request


def allowed_host() -> str:
    hosts = [h.strip() for h in os.environ.get("REPROSTORE_ALLOWED_HOSTS", "").split(",")]
    for host in hosts:
        if host and host != "*":
            return host.lstrip(".")  # ".example.org" allows example.org itself too
    return "127.0.0.1"


def main() -> int:
    request = urllib.request.Request(
        "http://127.0.0.1:8000/health", headers={"Host": allowed_host()}
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:
            print(response.read().decode()[:200])
            return 0
    except Exception as error:  # refused, timed out, 4xx/5xx: all unhealthy
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
