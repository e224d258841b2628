"""The editors' web console under ``/beheer/``: statistics, try a question, edit entries.

It uses knowledge, matching and replies, never a chat transport; ``bot.app`` (for
``partnerbot run``) and ``bot.cli`` (for ``partnerbot beheer``) hand it what it needs in an
``EditorContext`` and mount it with ``add_editor``.
"""

from bot.editor.context import EditorContext, LocalKnowledge, ReloadInfo
from bot.editor.web import EditorConsole, add_editor

__all__ = ["EditorConsole", "EditorContext", "LocalKnowledge", "ReloadInfo", "add_editor"]
