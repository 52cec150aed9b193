"""``qgis_process help`` prints an algorithm's help as plain text: what the user typed into the dialog's HTML
(escaped there so that '<layer>' is not taken for a tag) must read as written on a terminal."""

import subprocess


def _help(env, algorithm_id):
    proc = subprocess.run(
        ["qgis_process.bin", "help", algorithm_id], env=dict(env), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_help_prints_angle_brackets_as_written(qgis_process_env):
    evidence = _help(qgis_process_env, "prospector:evidence")
    assert "(<layer>:<what>)" in evidence
    interpolate = _help(qgis_process_env, "prospector:interpolate")
    assert "text such as '<5' or '< 0.5'" in interpolate  # the help text
    assert "('<5', or -5 for 'below 5')" in interpolate  # a parameter's help
    for text in (evidence, interpolate):
        assert "&lt;" not in text and "&gt;" not in text and "&amp;" not in text
