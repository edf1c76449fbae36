"""Helpers for the AWS CLI plugin tests: the real ``aws`` v1 binary in a sandbox, local servers.

Every ``aws`` run gets a temporary HOME, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE
(never the real ~/.aws or ~/.osc) and an environment without the caller's AWS_*/OSC_*
variables. The plugin line is written by ``aws configure set plugins.outscale
awscli_plugin_outscale`` itself, once per test session.
"""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional

from support.sandbox_env import AWS_V1 as AWS
from support.sandbox_env import BIN, REPO, SOURCE_PATHS, clean_env  # noqa: F401  (re-exported to the tests)
PLUGIN_LINE = ("plugins.outscale", "awscli_plugin_outscale")



@dataclass
class AwsCli:
    """The real ``aws`` binary with its own HOME and config files."""

    home: Path
    env: dict = field(default_factory=dict)

    @property
    def config_file(self) -> Path:
        return Path(self.env["AWS_CONFIG_FILE"])

    @property
    def credentials_file(self) -> Path:
        return Path(self.env["AWS_SHARED_CREDENTIALS_FILE"])

    def add_config(self, text: str) -> None:
        with open(self.config_file, "a", encoding="utf-8") as handle:
            handle.write("\n" + text.strip() + "\n")

    def add_credentials(self, profile: str, key: str = "AKIDEXAMPLE", secret: str = "SECRETEXAMPLE") -> None:
        with open(self.credentials_file, "a", encoding="utf-8") as handle:
            handle.write(f"\n[{profile}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")

    def run(self, *args: str, env: Optional[dict] = None, timeout: float = 60) -> subprocess.CompletedProcess:
        full_env = dict(self.env)
        full_env.update(env or {})
        return subprocess.run([str(AWS), *args], env=full_env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)


# -- small local HTTP servers -----------------------------------------------------------------

class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.requests = []  # (method, path, headers, body)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def serve(handler_class):
    server = RecordingServer(handler_class)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def stop(server):
    server.shutdown()
    server.server_close()


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _record(self) -> bytes:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.requests.append((self.command, self.path, dict(self.headers), body))
        return body

    def _answer(self, status: int, body: bytes, content_type: str = "text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class TextHandler(QuietHandler):
    TEXT = b"fetched-bucket/fetched-key"

    def do_GET(self):
        self._record()
        self._answer(200, self.TEXT)


FAKE_IMAGE_ID = "ami-1234abcd"
DUPLICATE_NAME = "already taken"


class FakeOapiHandler(QuietHandler):
    """Just enough of OAPI for CreateImage: an image id, or OAPI's duplicate-name error."""

    def do_POST(self):
        body = self._record()
        action = self.path.rstrip("/").rsplit("/", 1)[-1]
        request = json.loads(body or b"{}")
        context = {"RequestId": "0475ca1e-d0c5-441d-712a-da55a4175157"}
        if action != "CreateImage":
            answer, status = {"Errors": [{"Code": "12000", "Type": "InvalidAction", "Details": action}],
                              "ResponseContext": context}, 400
        elif request.get("ImageName") == DUPLICATE_NAME:
            answer, status = {"Errors": [{"Code": "9015", "Type": "ResourceConflict",
                                          "Details": "The image name is already used."}],
                              "ResponseContext": context}, 409
        else:
            answer, status = {"Image": {"ImageId": FAKE_IMAGE_ID, "ImageName": request.get("ImageName"),
                                        "State": "pending", "FileLocation": request.get("FileLocation", "")},
                              "ResponseContext": context}, 200
        self._answer(status, json.dumps(answer).encode(), "application/json")
