"""A process asked to end (SIGTERM, SIGHUP) inside ``termination_as_cancel`` cleans up first, then ends as asked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from geochem_prospector.core.callbacks import termination_as_cancel

REPO_PLUGINS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build")

# a run writing an output through atomic_output, which asks for its own end half-way through the write
CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    from geochem_prospector.core.callbacks import check_cancelled, termination_as_cancel
    from geochem_prospector.core.io.outputs import atomic_output

    path, number, marker = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    signal.signal(number, signal.SIG_DFL)  # as a process started from a shell (nohup would leave SIGHUP ignored)
    with termination_as_cancel():
        try:
            with atomic_output(path, verify=lambda tmp: None) as tmp:
                with open(tmp, "w") as out:
                    out.write("half of the new file")
                    out.flush()
                    os.kill(os.getpid(), number)
                    for _ in range(500):  # the run's next check raises; it never reaches the end
                        time.sleep(0.01)
                        check_cancelled(None)
                    out.write(" and the rest")
        finally:
            with open(marker, "w") as done:
                done.write("clean-up ran")
    print("the run went on")
    """
)


def run_child(code: str, *args: object) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python that imports the plugin, with ``args`` as its argv; its output as text."""
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO_PLUGINS, "plugins"))
    command = [sys.executable, "-c", code, *map(str, args)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_terminated_run_removes_its_temporary_keeps_the_old_file_and_ends_by_the_signal(tmp_path, name):
    number = int(getattr(signal, name))
    output = tmp_path / "out" / "map.txt"
    output.parent.mkdir()
    output.write_text("the earlier run's file")
    marker = tmp_path / "marker.txt"
    proc = run_child(CHILD, output, number, marker)
    assert proc.returncode == -number, proc.stderr  # ended by the signal itself, as without the handler
    assert "the run went on" not in proc.stdout
    assert marker.read_text() == "clean-up ran"
    assert sorted(os.listdir(output.parent)) == ["map.txt"]  # no .partial-* temporary left
    assert output.read_text() == "the earlier run's file"


def test_a_signal_the_application_handles_itself_is_left_to_it():
    def own_handler(_number, _frame):
        pass

    before = signal.signal(signal.SIGTERM, own_handler)
    try:
        with termination_as_cancel() as request:
            assert signal.getsignal(signal.SIGTERM) is own_handler
            os.kill(os.getpid(), signal.SIGTERM)  # the application's handler takes it: no Terminated
        assert not request.received
        assert signal.getsignal(signal.SIGTERM) is own_handler
    finally:
        signal.signal(signal.SIGTERM, before)


def test_a_run_on_a_worker_thread_installs_nothing():
    seen = {}

    def run():
        with termination_as_cancel() as request:
            seen["handler"] = signal.getsignal(signal.SIGTERM)
            seen["received"] = request.received

    before = signal.getsignal(signal.SIGTERM)
    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert seen == {"handler": before, "received": False}


def test_without_a_signal_the_default_action_is_restored():
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        pytest.skip("the test runner handles SIGTERM itself")
    with termination_as_cancel() as request:
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    assert not request.received
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_disabled_installs_nothing():
    """A desktop application's run (the caller passes enabled=False): the signals keep their own handling."""
    before = signal.getsignal(signal.SIGTERM)
    with termination_as_cancel(enabled=False) as request:
        assert signal.getsignal(signal.SIGTERM) is before
    assert not request.received


# two outputs in one group; the signal comes while the first is being put in place (between two renames)
CHILD_DURING_COMMIT = textwrap.dedent(
    """
    import os, signal, sys, time
    from geochem_prospector.core.callbacks import termination_as_cancel
    from geochem_prospector.core.io import outputs

    folder, number, marker = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    signal.signal(number, signal.SIG_DFL)
    place = outputs._place

    def place_then_signal(item):
        if not item.path.endswith("b.txt"):  # once, as the first output is put in place
            os.kill(os.getpid(), number)  # handled at the next bytecode, inside the commit
        place(item)

    outputs._place = place_then_signal

    def announce(name):
        with open(marker, "w") as note:
            note.write("announced " + name)

    with termination_as_cancel(announce=announce):
        with outputs.output_group():
            for name in ("a.txt", "b.txt"):
                with outputs.atomic_output(os.path.join(folder, name), verify=lambda tmp: None) as tmp:
                    with open(tmp, "w") as out:
                        out.write("new " + name)
        print("the run went on to its end", flush=True)
    print("after the block", flush=True)
    """
)


def test_a_signal_while_the_outputs_are_put_in_place_lets_the_group_finish_then_ends_the_process(tmp_path):
    """Before, the signal raised between two renames: the commit rolled back, but a signal after the last rename
    was reported as 'no output was written' while the new files were in place."""
    folder = tmp_path / "out"
    folder.mkdir()
    for name in ("a.txt", "b.txt"):
        (folder / name).write_text("old " + name)
    marker = tmp_path / "marker.txt"
    number = int(signal.SIGTERM)
    proc = run_child(CHILD_DURING_COMMIT, folder, number, marker)
    assert proc.returncode == -number, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "the run went on to its end" in proc.stdout and "after the block" not in proc.stdout
    assert marker.read_text() == "announced SIGTERM"
    assert sorted(os.listdir(folder)) == ["a.txt", "b.txt"]  # no temporary, no backup of the old files
    assert [(folder / name).read_text() for name in ("a.txt", "b.txt")] == ["new a.txt", "new b.txt"]


def test_a_signal_after_the_run_deferred_it_is_announced_and_ends_the_process_at_the_block_end(tmp_path):
    marker = tmp_path / "marker.txt"
    child = textwrap.dedent(
        """
        import os, signal, sys
        from geochem_prospector.core.callbacks import termination_as_cancel

        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        with termination_as_cancel(announce=lambda name: open(sys.argv[1], "w").write(name)) as request:
            request.deferred = True
            os.kill(os.getpid(), signal.SIGHUP)
            for _ in range(3):
                print("still running", flush=True)
        print("after the block", flush=True)
        """
    )
    proc = run_child(child, marker)
    assert proc.returncode == -int(signal.SIGHUP), proc.stderr
    assert proc.stdout.count("still running") == 3 and "after the block" not in proc.stdout
    assert marker.read_text() == "SIGHUP"


def test_a_failure_while_waiting_for_the_folder_lock_removes_the_temporaries(tmp_path, monkeypatch):
    from geochem_prospector.core.io import outputs

    def lock_fails(_fcntl, _fd):
        raise KeyboardInterrupt  # Ctrl+C while another run held the folder

    monkeypatch.setattr(outputs, "_lock", lock_fails)
    target = tmp_path / "map.txt"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with outputs.output_group():
            with outputs.atomic_output(str(target), verify=lambda tmp: None) as tmp:
                with open(tmp, "w") as out:
                    out.write("new")
    assert sorted(os.listdir(tmp_path)) == ["map.txt"] and target.read_text() == "old"


# the signal comes while Python runs inside a call whose exceptions cannot propagate (here a __del__, as rasterio's
# compiled check of a nodata value calls numpy's Python code): the run must still stop at its next check
CHILD_UNRAISABLE = textwrap.dedent(
    """
    import os, signal, sys, time
    from geochem_prospector.core.callbacks import check_cancelled, termination_as_cancel
    from geochem_prospector.core.io.outputs import atomic_output

    path, marker = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    asked = []

    class Probe:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGTERM)
            sum(range(100000))  # Python work inside __del__: the handler runs here

    with termination_as_cancel(on_request=lambda: asked.append(True)):
        try:
            with atomic_output(path, verify=lambda tmp: None) as tmp:
                with open(tmp, "w") as out:
                    out.write("half of the new file")
                    Probe()  # collected at once: its __del__ runs here
                    print("the write went on", flush=True)
                    check_cancelled(None)
                    out.write(" and the rest")
        finally:
            with open(marker, "w") as done:
                done.write("clean-up ran; asked %d" % len(asked))
    print("the run went on")
    """
)


def test_a_signal_inside_a_call_that_cannot_raise_stops_the_run_at_its_next_check(tmp_path):
    """Before, the handler raised where the interpreter was: inside such a call the exception was printed as
    ignored ('Exception ignored in …', a traceback in the log) and the run went on, or a library failed with a
    wrong message; a temporary was left when it came between creating the file and the ``try`` removing it."""
    output = tmp_path / "out" / "map.txt"
    output.parent.mkdir()
    output.write_text("the earlier run's file")
    marker = tmp_path / "marker.txt"
    proc = run_child(CHILD_UNRAISABLE, output, marker)
    assert proc.returncode == -int(signal.SIGTERM), proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
    assert "the write went on" in proc.stdout and "the run went on" not in proc.stdout
    assert marker.read_text() == "clean-up ran; asked 1"  # on_request called once, from the handler
    assert sorted(os.listdir(output.parent)) == ["map.txt"]
    assert output.read_text() == "the earlier run's file"
