"""A disk cache of built matchers, so `partnerbot ask` starts in a fraction of a second.

Building the index lemmatises every phrasing with simplemma, whose Dutch dictionary alone
takes most of a second to load. The cache key is the knowledge's content hash plus a
fingerprint of the code and data that shape the index, so any edit to the knowledge or an
upgrade of the bot builds anew. A cache that cannot be written or read is skipped: it only
ever saves time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import tempfile
from importlib import metadata
from pathlib import Path

from bot.config import MatchingConfig
from bot.knowledge import SHIPPED_KNOWLEDGE, KnowledgeBase, knowledge_version, load_knowledge
from bot.matching import Matcher, MatchIndex, build_index

log = logging.getLogger(__name__)

_PACKAGE = Path(__file__).resolve().parent
# Everything that decides what an index looks like.
_INDEX_SOURCES = (
    "models.py",
    "text.py",
    "data/common_words_nl.txt",
    "data/english_nl.txt",
)
_INDEX_PACKAGES = ("knowledge", "matching")
KEEP_FILES = 4


def cache_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("PARTNERBOT_CACHE_DIR"):
        return Path(env["PARTNERBOT_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "partnerbot"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in _INDEX_SOURCES:
        digest.update((_PACKAGE / name).read_bytes())
    for package in _INDEX_PACKAGES:
        for source in sorted((_PACKAGE / package).glob("*.py")):
            digest.update(source.name.encode())
            digest.update(source.read_bytes())
    for package in ("simplemma", "rapidfuzz"):
        try:
            digest.update(metadata.version(package).encode())
        except metadata.PackageNotFoundError:
            digest.update(b"?")
    return digest.hexdigest()[:16]


def _safe_to_read(path: Path) -> bool:
    """Only unpickle a file this user owns and nobody else can write (pickle runs code)."""
    try:
        info = path.stat()
    except OSError:
        return False
    writable_by_others = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return info.st_uid == os.getuid() and not writable_by_others


def load_matcher(
    path: Path | str | None, config: MatchingConfig | None = None, directory: Path | None = None
) -> tuple[KnowledgeBase, Matcher]:
    """The knowledge and its matcher, from the cache when the knowledge is unchanged.

    Raises KnowledgeError, like ``load_knowledge``, when the knowledge is broken.
    """
    root = Path(path) if path is not None else SHIPPED_KNOWLEDGE
    folder = directory or cache_dir()
    # The folder is part of the key: the index holds its KnowledgeBase, whose path must be
    # this folder, not a copy with the same content (a checkout and a wheel's package data).
    where = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:8]
    cached = folder / f"index-{knowledge_version(root)}-{_fingerprint()}-{where}.pickle"
    if _safe_to_read(cached):
        try:
            with cached.open("rb") as handle:
                index = pickle.load(handle)  # noqa: S301 - our own file, checked above
            if isinstance(index, MatchIndex) and isinstance(index.knowledge, KnowledgeBase):
                return index.knowledge, Matcher.from_index(index, config)
        except Exception:
            log.warning("index cache %s is unreadable; rebuilding", cached.name)
    knowledge = load_knowledge(root)
    index = build_index(knowledge)
    _store(folder, cached, index)
    return knowledge, Matcher.from_index(index, config)


def _store(folder: Path, target: Path, value: object) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(handle.name, 0o600)
        os.replace(handle.name, target)
        old = sorted(folder.glob("index-*.pickle"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-KEEP_FILES]:
            stale.unlink(missing_ok=True)
    except OSError as error:
        log.debug("index cache not written: %s", error.strerror)
