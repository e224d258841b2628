from bot.ratelimit import FloodLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_user_limit_notifies_once_then_drops_until_window_frees() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(per_user_per_minute=2, per_room_per_minute=100, clock=clock)
    assert limiter.check("!r", "@a") == "allow"
    assert limiter.check("!r", "@a") == "allow"
    assert limiter.check("!r", "@a") == "notify"
    assert limiter.check("!r", "@a") == "drop"
    assert limiter.check("!r", "@b") == "allow"  # another user is not affected
    clock.now += 60.0
    assert limiter.check("!r", "@a") == "allow"
    assert limiter.check("!r", "@a") == "allow"
    assert limiter.check("!r", "@a") == "notify"  # a new spell notifies again


def test_user_limit_is_per_room() -> None:
    limiter = FloodLimiter(per_user_per_minute=1, per_room_per_minute=100, clock=FakeClock())
    assert limiter.check("!r1", "@a") == "allow"
    assert limiter.check("!r2", "@a") == "allow"
    assert limiter.check("!r1", "@a") == "notify"


def test_room_limit_covers_all_users_with_one_notice() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(per_user_per_minute=100, per_room_per_minute=3, clock=clock)
    verdicts = [limiter.check("!r", f"@u{i}") for i in range(6)]
    assert verdicts == ["allow", "allow", "allow", "notify", "drop", "drop"]
    assert limiter.check("!other", "@u0") == "allow"


def test_sliding_window_frees_one_slot_at_a_time() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(per_user_per_minute=2, per_room_per_minute=100, clock=clock)
    assert limiter.check("!r", "@a") == "allow"
    clock.now += 30
    assert limiter.check("!r", "@a") == "allow"
    clock.now += 29.9
    assert limiter.check("!r", "@a") == "notify"
    clock.now += 0.2  # the first hit is now older than 60 s
    assert limiter.check("!r", "@a") == "allow"
    assert limiter.check("!r", "@a") == "notify"


def test_limited_messages_do_not_count() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(per_user_per_minute=1, per_room_per_minute=100, clock=clock)
    assert limiter.check("!r", "@a") == "allow"
    for _ in range(10):
        limiter.check("!r", "@a")
        clock.now += 1
    clock.now += 50.1  # 60.1 s after the only counted hit
    assert limiter.check("!r", "@a") == "allow"
