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
