"""richards: Martin Richards' operating-system scheduler simulation.

The classic benchmark of object-oriented interpreters: six tasks (an idle
task, a worker, two packet handlers, two devices) pass packets to each
other through a priority scheduler, which runs the highest-priority task
that can run.  Method calls, attribute access and small objects; hardly any
arithmetic.  Its first call in a process is where a JIT compiles those
many small methods, which makes it the reference for gilbench's warm and
cold times (``--warm-calls``).

Each worker runs the whole simulation ``size`` times, each time on a
scheduler of its own (weak scaling; nothing is shared between workers but
the code and constants).  Every simulation queues 23,246 packets and
holds a task 9,297 times, as the original benchmark does: ``check``
compares both totals.
"""

NAME = "richards"
CATEGORY = "cpu"
SCALING = "weak"
DESCRIPTION = "Richards' task scheduler simulation: method calls, attribute access, small objects"
SIZE = 8

# Task ids; a higher id also has a higher priority.
IDLE, WORKER, HANDLER_A, HANDLER_B, DEVICE_A, DEVICE_B = range(1, 7)
DEVICE_PACKET, WORK_PACKET = 0, 1
# Letters a work packet carries, one per device packet a handler sends.
LETTERS = 4
# Steps of the idle task: the length of one simulation.
IDLE_STEPS = 10000
# What one simulation of IDLE_STEPS gives, by the original benchmark.
QUEUED_PER_RUN = 23246
HELD_PER_RUN = 9297


class Packet(object):
    def __init__(self, link, target, kind):
        self.link = link
        self.target = target
        self.kind = kind
        self.datum = 0
        self.letters = [0] * LETTERS

    def append_to(self, queue):
        """Puts this packet last in `queue` (None when empty); returns the
        queue's first packet."""
        self.link = None
        if queue is None:
            return self
        last = queue
        while last.link is not None:
            last = last.link
        last.link = self
        return queue


class Task(object):
    """A task's scheduling state; `step` is its body, run by the scheduler
    with the packet it takes (None when it runs without one)."""

    def __init__(self, scheduler, ident, queue, waiting):
        self.scheduler = scheduler
        self.ident = ident
        self.priority = ident * 1000
        self.queue = queue
        self.pending = queue is not None
        self.waiting = waiting
        self.held = False
        self.link = scheduler.tasks
        scheduler.tasks = self
        scheduler.by_id[ident] = self

    def can_run(self):
        return not self.held and (self.pending or not self.waiting)


class IdleTask(Task):
    def __init__(self, scheduler):
        Task.__init__(self, scheduler, IDLE, None, False)
        self.seed = 1
        self.steps = IDLE_STEPS

    def step(self, packet):
        scheduler = self.scheduler
        self.steps -= 1
        if self.steps == 0:
            return scheduler.hold_current()
        if self.seed & 1:
            self.seed = (self.seed >> 1) ^ 0xD008
            return scheduler.release(DEVICE_B)
        self.seed >>= 1
        return scheduler.release(DEVICE_A)


class WorkerTask(Task):
    """Fills work packets with letters and sends them to the handlers in turn."""

    def __init__(self, scheduler, queue):
        Task.__init__(self, scheduler, WORKER, queue, True)
        self.handler = HANDLER_A
        self.letter = 0

    def step(self, packet):
        scheduler = self.scheduler
        if packet is None:
            return scheduler.wait_current()
        self.handler = HANDLER_A + HANDLER_B - self.handler
        packet.target = self.handler
        packet.datum = 0
        for i in range(LETTERS):
            self.letter = self.letter % 26 + 1
            packet.letters[i] = self.letter
        return scheduler.send(packet)


class HandlerTask(Task):
    """Sends a work packet's letters to its device one device packet at a
    time, then the work packet back to the worker."""

    def __init__(self, scheduler, ident, queue):
        Task.__init__(self, scheduler, ident, queue, True)
        self.work = None
        self.devices = None

    def step(self, packet):
        scheduler = self.scheduler
        if packet is not None:
            if packet.kind == WORK_PACKET:
                self.work = packet.append_to(self.work)
            else:
                self.devices = packet.append_to(self.devices)
        work = self.work
        if work is not None:
            sent = work.datum
            if sent >= LETTERS:
                self.work = work.link
                return scheduler.send(work)
            device = self.devices
            if device is not None:
                self.devices = device.link
                device.datum = work.letters[sent]
                work.datum = sent + 1
                return scheduler.send(device)
        return scheduler.wait_current()


class DeviceTask(Task):
    """Holds a packet until the idle task releases it, then sends it back."""

    def __init__(self, scheduler, ident):
        Task.__init__(self, scheduler, ident, None, True)
        self.busy_with = None

    def step(self, packet):
        scheduler = self.scheduler
        if packet is not None:
            self.busy_with = packet
            return scheduler.hold_current()
        done = self.busy_with
        if done is None:
            return scheduler.wait_current()
        self.busy_with = None
        return scheduler.send(done)


class Scheduler(object):
    """One simulation: its tasks, the one running, and the two counts."""

    def __init__(self):
        self.tasks = None
        self.by_id = [None] * (DEVICE_B + 1)
        self.current = None
        self.queued = 0
        self.held = 0
        IdleTask(self)
        work = Packet(Packet(None, 0, WORK_PACKET), 0, WORK_PACKET)
        WorkerTask(self, work)
        for handler, device in ((HANDLER_A, DEVICE_A), (HANDLER_B, DEVICE_B)):
            queue = None
            for _ in range(3):
                queue = Packet(queue, device, DEVICE_PACKET)
            HandlerTask(self, handler, queue)
        DeviceTask(self, DEVICE_A)
        DeviceTask(self, DEVICE_B)

    def run(self):
        task = self.tasks
        while task is not None:
            if not task.can_run():
                task = task.link
                continue
            packet = None
            if task.waiting:
                # Waiting with a packet queued: it runs with that packet.
                packet = task.queue
                task.queue = packet.link
                task.pending = task.queue is not None
                task.waiting = False
            self.current = task
            task = task.step(packet)

    # What a task's step returns: the task to run next.

    def wait_current(self):
        self.current.waiting = True
        return self.current

    def hold_current(self):
        self.held += 1
        self.current.held = True
        return self.current.link

    def release(self, ident):
        task = self.by_id[ident]
        task.held = False
        if task.priority > self.current.priority:
            return task
        return self.current

    def send(self, packet):
        """Queues `packet` at its target task, naming the current task as
        its sender."""
        task = self.by_id[packet.target]
        self.queued += 1
        packet.link = None
        packet.target = self.current.ident
        if task.queue is not None:
            packet.append_to(task.queue)
            return self.current
        task.queue = packet
        task.pending = True
        if task.priority > self.current.priority:
            return task
        return self.current


def work(state, worker_index, workers, size):
    queued = held = 0
    for _ in range(size):
        scheduler = Scheduler()
        scheduler.run()
        queued += scheduler.queued
        held += scheduler.held
    return (queued, held)


def check(results, size, workers):
    expected = (QUEUED_PER_RUN * size, HELD_PER_RUN * size)
    assert results == [expected] * workers, (results, expected)
    return True
