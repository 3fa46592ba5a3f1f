"""The official Python SDK's contender in `cargo xtask bench`.

Uploads every path listed (one per line) in the file named by argv[1], one after the
other, with `aymara_ai.lib.uploads.upload_file` as its docs show it: one `AymaraAI`
client for the whole loop, default arguments otherwise (so each call opens its own
`httpx.Client` for the PUT, as the helper does unless given `http_client=`).

Reads AYMARA_AI_API_KEY and AYMARA_AI_BASE_URL from the environment. Prints the number of
files uploaded; exits non-zero on the first failure.
"""

import sys
from pathlib import Path

from aymara_ai import AymaraAI
from aymara_ai.lib.uploads import upload_file


def main() -> int:
    paths = [Path(line) for line in Path(sys.argv[1]).read_text().splitlines() if line]
    client = AymaraAI()
    for path in paths:
        upload_file(client=client, file_name=path.name, file_content=path)
    print(len(paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
