"""Drives the official Python SDK (aymara-ai-sdk) against an Aymara API base URL.

Usage: python python_sdk.py BASE_URL API_KEY FILE
Prints one JSON object with what each call of the Files resource answered (create,
lib.uploads.upload_file, upload, list, get, get_status, get_frames, delete), so the caller
can check them against the server.
"""

import json
import sys
from pathlib import Path

import aymara_ai
from aymara_ai import AymaraAI
from aymara_ai.lib.uploads import upload_file

base_url, api_key, path = sys.argv[1], sys.argv[2], Path(sys.argv[3])
client = AymaraAI(api_key=api_key, base_url=base_url, max_retries=0)
workspace = "3f1c8e6a-2b9d-4c1e-9a57-0d8f5e2b7c41"

created = client.files.create(
    workspace_uuid=None, files=[{"local_file_path": "from-python/notes.csv"}]
)
reference = upload_file(client=client, file_name=path.name, file_content=path)

direct = client.files.upload(file=path, workspace_uuid=workspace)
video = client.files.upload(
    file=("clip.mp4", b"\x07" * 70_000, "video/mp4"), workspace_uuid=workspace
)

first_page = client.files.list(workspace_uuid=workspace, limit=1)
auto_paged = [f.file_uuid for f in first_page]
second_page = client.files.list(workspace_uuid=workspace, limit=1, offset=1)

detail = client.files.get(direct.file_uuid)
status = client.files.get_status(video.file_uuid)
frames = client.files.get_frames(video.file_uuid)

client.files.delete(direct.file_uuid)
try:
    client.files.get(direct.file_uuid)
    after_delete = None
except aymara_ai.NotFoundError as error:
    after_delete = error.status_code

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
            "upload": {
                "file_uuid": direct.file_uuid,
                "local_file_path": direct.local_file_path,
                "processing_status": direct.processing_status,
                "video_uuid": video.file_uuid,
            },
            "list": {
                "count": first_page.count,
                "first_page": [f.file_uuid for f in first_page.items],
                "auto_paged": auto_paged,
                "second_page": [f.file_uuid for f in second_page.items],
            },
            "get": {
                "file_uuid": detail.file_uuid,
                "file_type": detail.file_type,
                "content_type": detail.content_type,
                "file_size_bytes": detail.file_size_bytes,
                "workspace_uuid": detail.workspace_uuid,
                "has_file_url": bool(detail.file_url),
            },
            "get_status": {"processing_status": status.processing_status},
            "get_frames": {
                "frame_count": frames.frame_count,
                "frame_urls": len(frames.frame_urls),
            },
            "delete": {"get_after": after_delete},
        }
    )
)
