"""Drives the official Python SDK (aymara-ai-sdk) against an Aymara API base URL.

Usage: python python_sdk.py BASE_URL API_KEY FILE
Prints one JSON object: what files.create answered and what upload_file returned, so the
caller can check the stored bytes.
"""

import json
import sys
from pathlib import Path

from aymara_ai import AymaraAI
from aymara_ai.lib.uploads import upload_file

base_url, api_key, path = sys.argv[1], sys.argv[2], Path(sys.argv[3])
client = AymaraAI(api_key=api_key, base_url=base_url, max_retries=0)

created = client.files.create(
    workspace_uuid=None, files=[{"local_file_path": "from-python/notes.csv"}]
)
reference = upload_file(client=client, file_name=path.name, file_content=path)

print(
    json.dumps(
        {
            "create": {
                "workspace_uuid": created.workspace_uuid,
                "files": [
                    {
                        "local_file_path": f.local_file_path,
                        "file_uuid": f.file_uuid,
                        "remote_file_path": f.remote_file_path,
                        "has_file_url": bool(f.file_url),
                    }
                    for f in created.files
                ],
            },
            "upload_file": {"remote_file_path": reference["remote_file_path"]},
        }
    )
)
