"""The command line says what operators need and nothing else: no eventlet deprecation notice."""
import subprocess
import sys

from services.kernel.config import ROOT


def test_a_command_that_loads_nameko_prints_no_eventlet_notice():
    run = subprocess.run([sys.executable, "-c", "import sys; from services.cli import main; sys.exit(main())",
                          "topology", "check"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Eventlet is deprecated" not in run.stderr + run.stdout
    assert run.stderr == ""
