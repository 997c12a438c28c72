"""tools.build_book's output: what a new reader sees while the book builds."""

import sys

from tools import build_book

WARNING = ("[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication "
           "(including code and outputs) is sent in plain text and is susceptible to eavesdropping.")


def test_kernel_tcp_warning_becomes_one_explained_line(capfd):
    script = (f"import sys; print('Executing 01'); print({WARNING!r}, file=sys.stderr, flush=True); "
              f"print('Executing 02', flush=True); print({WARNING!r}, file=sys.stderr); sys.exit(3)")
    assert build_book.run([sys.executable, "-c", script]) == 3
    out, err = capfd.readouterr()
    lines = out.splitlines()
    assert lines == ["Executing 01", build_book._KERNEL_TCP_NOTE, "Executing 02"], lines
    assert "eavesdropping" not in out + err


def test_other_output_passes_through_unchanged(capfd):
    assert build_book.run([sys.executable, "-c", "print('a'); import sys; print('b', file=sys.stderr)"]) == 0
    assert capfd.readouterr().out.splitlines() == ["a", "b"]
