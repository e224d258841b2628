"""Admin upkeep: commands and who may use them (``access``, ``upkeep``), usage counting with
retention (``usage``), and what the admin commands say (``wording``)."""

from bot.admin.upkeep import Upkeep
from bot.admin.wording import DAY, render_reload_result, utc_day

__all__ = ["DAY", "Upkeep", "render_reload_result", "utc_day"]
