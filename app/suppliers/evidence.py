"""Evidence files: the allow-list of types, checks of their content, and where the bytes live.

An upload streams into ``<evidence dir>/.incoming`` while its size and SHA-256 are counted; past
the limit it is deleted and nothing else happens. Accepted files move (one rename on the same
file system) to ``<evidence dir>/<organisation>/<request>/<evidence id>``: no part of the path
comes from the supplier.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from app.db import StoredFile
from app.errors import (
    AppError,
    ConflictError,
    InvalidRequestError,
    PayloadTooLargeError,
    ProblemType,
    UnsupportedMediaTypeError,
    problem_responses,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/plain",
    "text/csv",
    DOCX,
    XLSX,
    "application/json",
)
_TEXT_SNIFF_BYTES = 64 * 1024
_INCOMING = ".incoming"


def unsupported_type(detail: str) -> AppError:
    return UnsupportedMediaTypeError(detail)


def too_large(limit: int) -> AppError:
    return PayloadTooLargeError(f"Evidence files may be at most {limit} bytes; nothing was stored.")


def declared_type(header: str | None) -> str:
    """The media type of a Content-Type header, if it is on the allow-list; else 415."""
    media_type = (header or "").split(";", 1)[0].strip().lower()
    if media_type == "image/jpg":
        media_type = "image/jpeg"
    if media_type not in ALLOWED_TYPES:
        raise unsupported_type(
            f"Content-Type '{media_type or '(none)'}' is not accepted; send one of: "
            + ", ".join(ALLOWED_TYPES)
            + "."
        )
    return media_type


# Every control and format character: C0/C1 controls, line breaks, and the bidirectional and
# zero-width marks that make `invoice\u202etxt.exe` display as `invoiceexe.txt`.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def clean_filename(name: str) -> str:
    """The supplier's file name for display and download: no path, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join("_" if unicodedata.category(ch) in _UNSAFE_CATEGORIES else ch for ch in base)
    return base.strip().strip(".")[:255] or "evidence"


def content_matches(path: Path, media_type: str) -> bool:
    """Whether the bytes are what the declared type says (magic bytes, or a parse)."""
    with path.open("rb") as handle:
        head = handle.read(_TEXT_SNIFF_BYTES)
    if media_type == "application/pdf":
        return head.startswith(b"%PDF-")
    if media_type == "image/png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if media_type == "image/jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if media_type in (DOCX, XLSX):
        marker = "word/document.xml" if media_type == DOCX else "xl/workbook.xml"
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(path) as archive:
                return marker in archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return False
    if media_type == "application/json":
        try:
            json.loads(path.read_bytes())
        except (ValueError, RecursionError):
            return False  # not JSON, or nested deeper than any parser here goes
        return True
    # text/plain, text/csv: UTF-8 text without NUL bytes (a cut multi-byte tail is fine).
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3
    return True


@dataclass
class StagedFile:
    """An upload on disk in the incoming folder, counted and hashed, not yet accepted."""

    path: Path
    size: int
    sha256: str

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


@dataclass(frozen=True)
class EvidenceStore:
    root: Path

    def incoming(self) -> Path:
        folder = self.root / _INCOMING
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def path_of(self, storage_key: str) -> Path:
        return self.root / storage_key

    @staticmethod
    def key_for(organization_id: uuid.UUID, request_id: uuid.UUID, evidence_id: uuid.UUID) -> str:
        return f"{organization_id}/{request_id}/{evidence_id}"

    def accept(self, staged: StagedFile, storage_key: str) -> Path:
        target = self.path_of(storage_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.path, target)
        return target

    def download(self, evidence: StoredFile) -> FileResponse:
        """The file as uploaded, its SHA-256 in Repr-Digest; 409 when the file has gone missing."""
        path = self.path_of(evidence.storage_key)
        if not path.is_file():
            raise ConflictError(
                "The evidence file is recorded but missing from the evidence folder.",
                type=ProblemType.EVIDENCE_MISSING,
            )
        digest = base64.b64encode(bytes.fromhex(evidence.sha256)).decode()
        return FileResponse(
            path,
            media_type=evidence.content_type,
            filename=evidence.filename,
            headers={"Repr-Digest": f"sha-256=:{digest}:", "X-Content-Type-Options": "nosniff"},
        )

    def remove(self, storage_key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path_of(storage_key).unlink()

    async def stage(self, chunks: AsyncIterator[bytes], *, limit: int) -> StagedFile:
        """Write the stream to the incoming folder; 413 (and nothing kept) past `limit` bytes."""
        import anyio

        fd, name = tempfile.mkstemp(dir=self.incoming(), prefix="upload-")
        os.close(fd)
        staged = StagedFile(Path(name), 0, "")
        digest = hashlib.sha256()
        try:
            async with await anyio.open_file(staged.path, "wb") as handle:
                async for chunk in chunks:
                    staged.size += len(chunk)
                    if staged.size > limit:
                        raise too_large(limit)
                    digest.update(chunk)
                    await handle.write(chunk)
        except BaseException:
            staged.discard()
            raise
        staged.sha256 = digest.hexdigest()
        return staged


@dataclass(frozen=True)
class Upload:
    """An upload's body as it arrives: the type and length its headers declare, and the bytes."""

    content_type: str | None
    content_length: int | None
    chunks: AsyncIterator[bytes]


async def _upload(
    request: Request,
    # Transport headers, not parameters: OpenAPI ignores a Content-Type parameter, and a client
    # never sets Content-Length itself (the body's media types say what is accepted).
    content_type: Annotated[str | None, Header(include_in_schema=False)] = None,
    content_length: Annotated[int | None, Header(ge=0, include_in_schema=False)] = None,
) -> Upload:
    return Upload(content_type, content_length, request.stream())


# The request's body as a file upload, with the type and length its headers declare.
UploadDep = Annotated[Upload, Depends(_upload)]

# What a route that answers with `EvidenceStore.download` can answer.
DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file as uploaded", "content": {"application/octet-stream": {}}},
    **problem_responses(404, 409),
}


async def receive(store: EvidenceStore, upload: Upload, *, limit: int) -> tuple[StagedFile, str]:
    """The body staged on disk with its media type, once it is an allowed type (else 415), at
    most `limit` bytes (413), not empty (422) and what its type says (415). The caller discards
    the staged file; it is gone already when refused."""
    media_type = declared_type(upload.content_type)
    if upload.content_length is not None and upload.content_length > limit:
        raise too_large(limit)
    staged = await store.stage(upload.chunks, limit=limit)
    try:
        if staged.size == 0:
            raise InvalidRequestError(ProblemType.EMPTY_FILE, "The file is empty.")
        if not await run_in_threadpool(content_matches, staged.path, media_type):
            raise unsupported_type(f"The file's content is not {media_type}.")
    except BaseException:
        staged.discard()
        raise
    return staged, media_type
