"""Every call into the assistant goes through one worker, whatever transport asks."""

from __future__ import annotations

import asyncio
import threading

from bot.assistant import Assistant
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.models import Question, Reply
from bot.serial_assistant import SerialAssistant
from bot.worker import DaemonWorker


class Recording(Assistant):
    """An assistant that notes how many calls overlap and which threads run them."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        super().__init__(knowledge)
        self.inside = 0
        self.most_at_once = 0
        self.threads: set[str] = set()
        self._guard = threading.Lock()
        self.release = threading.Event()

    def handle(self, question: Question) -> Reply | None:
        with self._guard:
            self.inside += 1
            self.most_at_once = max(self.most_at_once, self.inside)
            self.threads.add(threading.current_thread().name)
        self.release.wait(5)  # every call waits for the same release: overlap would show
        try:
            return super().handle(question)
        finally:
            with self._guard:
                self.inside -= 1


async def test_concurrent_questions_from_two_transports_never_overlap() -> None:
    assistant = Recording(load_knowledge())
    serial = SerialAssistant(assistant)
    questions = [
        Question(f"mag een boa online rondkijken {n}", transport=t, mentioned=True)
        for n in range(6)
        for t in ("matrix", "teams")
    ]
    calls = [asyncio.ensure_future(serial.handle(q)) for q in questions]
    assistant.release.set()
    replies = await asyncio.gather(*calls)
    serial.close()
    assert all(reply is not None and reply.kind == "answer" for reply in replies)
    assert assistant.most_at_once == 1
    assert assistant.threads == {"assistant"}  # never the event loop's thread


def test_a_stuck_call_does_not_keep_the_process_alive() -> None:
    worker = DaemonWorker("stuck")
    gate, started = threading.Event(), threading.Event()

    def stuck() -> bool:
        started.set()
        return gate.wait()

    running = worker.submit(stuck)
    assert started.wait(5)
    queued = worker.submit(lambda: "never")
    worker.close()
    thread = next(t for t in threading.enumerate() if t.name == "stuck")
    assert thread.daemon  # not joined at interpreter exit
    assert queued.cancelled()  # dropped, not run after the close
    gate.set()
    assert running.result(timeout=5) is True


# --- answering at once when the worker is idle ------------------------------------------------


class Gated(Assistant):
    """Answers normally, but a question containing ``wait_on`` holds its call until
    ``release`` is set; notes the thread of every call."""

    def __init__(self, knowledge: KnowledgeBase, wait_on: str) -> None:
        super().__init__(knowledge)
        self.wait_on = wait_on
        self.entered = threading.Event()
        self.release = threading.Event()
        self.threads: list[str] = []

    def handle(self, question: Question) -> Reply | None:
        self.threads.append(threading.current_thread().name)
        if self.wait_on in question.text:
            self.entered.set()
            self.release.wait(5)
        return super().handle(question)


def _asked(text: str, sender: str = "@u") -> Question:
    return Question(
        text, transport="teams", conversation_id="19:c", sender_id=sender, mentioned=True
    )


def _topic(reply: Reply | None) -> tuple[str, str]:
    assert reply is not None and reply.kind == "answer"
    assert reply.decision is not None and reply.decision.best is not None
    return reply.decision.best.entry.partner, reply.decision.best.entry.topic


async def test_an_idle_worker_lets_a_question_be_answered_at_once_on_the_callers_thread() -> None:
    assistant = Gated(load_knowledge(), wait_on="\x00")
    serial = SerialAssistant(assistant)
    answered = serial.handle_now(_asked("welke opleidingen kan de politie volgen?"))
    serial.close()
    assert answered is not None
    assert _topic(answered.reply) == ("politie", "opleidingen")
    assert assistant.threads == [threading.current_thread().name]


async def test_a_question_waits_its_turn_behind_a_running_or_queued_call() -> None:
    """The order guarantee: while a call runs or waits in the worker, a new question is not
    answered at once (it would overtake it); in the worker it comes after it."""
    assistant = Gated(load_knowledge(), wait_on="opleidingen")
    serial = SerialAssistant(assistant)
    first = asyncio.ensure_future(serial.handle(_asked("welke opleidingen kan de politie volgen?")))
    assert await asyncio.to_thread(assistant.entered.wait, 5)  # the first call is running
    follow_up = _asked("en de gemeente?")
    assert serial.handle_now(follow_up) is None
    second = asyncio.ensure_future(serial.handle(follow_up))
    assistant.release.set()
    replies = await asyncio.gather(first, second)
    # The follow-up was read against the first answer: it ran after it, in the worker.
    assert [_topic(reply) for reply in replies] == [
        ("politie", "opleidingen"),
        ("gemeente", "opleidingen"),
    ]
    assert assistant.threads == ["assistant", "assistant"]
    # Nothing left in the worker: the next question is answered at once again.
    assert serial.handle_now(_asked("hoe zit dat bij handhaving?")) is not None
    serial.close()


async def test_commands_and_long_texts_always_take_the_worker() -> None:
    serial = SerialAssistant(Assistant(load_knowledge()))
    for text in ("!help", "help", "!vraag wat doet de politie online?", "politie " * 200):
        assert serial.handle_now(_asked(text)) is None, text
    assert serial.handle_now(_asked("wat doet de politie online?")) is not None
    serial.close()


def test_the_worker_is_idle_only_with_nothing_running_or_queued() -> None:
    worker = DaemonWorker("idle")
    gate, started = threading.Event(), threading.Event()
    assert worker.idle
    running = worker.submit(lambda: (started.set(), gate.wait(5)))
    assert started.wait(5)
    queued = worker.submit(lambda: "dropped")
    assert not worker.idle
    queued.cancel()
    assert not worker.idle  # still in the queue until the worker skips it
    gate.set()
    last = worker.submit(lambda: "last")
    assert last.result(timeout=5) == "last"  # the cancelled one was skipped before it
    assert running.done() and worker.idle
    worker.close()


async def test_a_question_waits_until_the_earlier_callers_reply_is_handed_back() -> None:
    """The worker is idle as soon as it has computed a call, but its caller on the event loop
    has not yet seen the reply (the hand-back is a loop callback still to run). A question
    answered at once in that gap would be delivered before the earlier one: in a Matrix room
    the later question's reply would take the room's delivery lock first (reply order
    swapped). Until every ``handle`` caller has its reply, a question takes its turn too."""
    serial = SerialAssistant(Assistant(load_knowledge()))
    first = asyncio.ensure_future(serial.handle(_asked("politie " * 200)))  # a long text
    await asyncio.sleep(0)  # the first call is in the worker
    # Wait on this thread (the loop is held) until the worker has finished every call: the
    # first reply is computed, its hand-back to ``first`` cannot run yet.
    serial._worker.submit(lambda: None).result(timeout=5)
    assert not first.done()
    assert serial.handle_now(_asked("wat doet de politie online?")) is None
    await first
    assert serial.handle_now(_asked("wat doet de politie online?")) is not None
    serial.close()
