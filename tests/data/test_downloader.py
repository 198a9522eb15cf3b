import hashlib
import http.server
import threading
from typing import ClassVar

import pytest

from fuselearn.data import download
from fuselearn.exceptions import ChecksumError, DataError

PAYLOAD = bytes(range(256)) * 64  # 16 KiB
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    mode = "ok"  # ok | corrupt | truncate | ignore_range | missing
    ranges: ClassVar[list] = []

    def log_message(self, *args):  # keep the test output quiet
        pass

    def do_GET(self):
        type(self).ranges.append(self.headers.get("Range"))
        body = PAYLOAD
        if self.mode == "missing":
            self.send_error(404, "Not Found")
            return
        if self.mode == "corrupt":
            body = PAYLOAD[:-1] + b"\x00"
        rng = self.headers.get("Range")
        if rng and self.mode in ("ok", "truncate_once"):
            start = int(rng.split("=")[1].rstrip("-"))
            part = body[start:]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            self.send_header("Content-Length", str(len(part)))
            self.end_headers()
            self.wfile.write(part)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.mode in ("truncate", "truncate_once"):
            self.wfile.write(body[: len(body) // 3])  # then the connection closes
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def server():
    _Handler.mode = "ok"
    _Handler.ranges = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/file.bin", _Handler
    httpd.shutdown()
    httpd.server_close()


def test_correct_download(server, tmp_path):
    url, handler = server
    dest = tmp_path / "sub" / "file.bin"
    seen = []
    assert download(url, dest, DIGEST, timeout=5, progress=lambda d, t: seen.append((d, t))) == dest
    assert dest.read_bytes() == PAYLOAD
    assert not dest.with_name("file.bin.part").exists()
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    # a second call finds the verified file and does not download again
    download(url, dest, DIGEST, timeout=5)
    assert len(handler.ranges) == 1


def test_corrupt_download_leaves_nothing(server, tmp_path):
    url, handler = server
    handler.mode = "corrupt"
    dest = tmp_path / "file.bin"
    dest.write_bytes(b"old good version")
    with pytest.raises(ChecksumError, match=f"expected sha256 {DIGEST}, got [0-9a-f]{{64}}"):
        download(url, dest, DIGEST, timeout=5)
    assert dest.read_bytes() == b"old good version"  # never replaced by a corrupt file
    assert not (tmp_path / "file.bin.part").exists()  # the corrupt .part is removed


def test_truncated_then_resumed(server, tmp_path):
    url, handler = server
    handler.mode = "truncate_once"
    dest = tmp_path / "file.bin"
    with pytest.raises(DataError, match=r"stopped early: got 5461 of 16384 bytes.*run the same"):
        download(url, dest, DIGEST, timeout=5)
    part = tmp_path / "file.bin.part"
    assert part.stat().st_size == len(PAYLOAD) // 3 and not dest.exists()
    handler.mode = "ok"
    download(url, dest, DIGEST, timeout=5)
    assert dest.read_bytes() == PAYLOAD and not part.exists()
    assert handler.ranges == [None, f"bytes={len(PAYLOAD) // 3}-"]


def test_server_ignoring_range_restarts(server, tmp_path):
    url, handler = server
    handler.mode = "ignore_range"
    dest = tmp_path / "file.bin"
    (tmp_path / "file.bin.part").write_bytes(PAYLOAD[:1000])
    download(url, dest, DIGEST, timeout=5)
    assert dest.read_bytes() == PAYLOAD
    assert handler.ranges == ["bytes=1000-"]


def test_resume_disabled_starts_over(server, tmp_path):
    url, handler = server
    (tmp_path / "file.bin.part").write_bytes(b"garbage")
    download(url, tmp_path / "file.bin", DIGEST, resume=False, timeout=5)
    assert handler.ranges == [None]


def test_http_error_and_bad_scheme(server, tmp_path):
    url, handler = server
    handler.mode = "missing"
    with pytest.raises(DataError, match="Download of .* failed: Not Found"):
        download(url, tmp_path / "f", DIGEST, timeout=5)
    with pytest.raises(DataError, match="only http://, https:// and file://"):
        download("ftp://example.org/x", tmp_path / "f", DIGEST)


def test_file_url(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(PAYLOAD)
    dest = download(src.as_uri(), tmp_path / "out" / "dst.bin", DIGEST)
    assert dest.read_bytes() == PAYLOAD
