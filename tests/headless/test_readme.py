"""The README as a user reads it (sweep 15b): its headless commands run as written, from the checkout's root, and
its Layout names every module there is."""

import json
import os
import re
import shlex
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _readme() -> str:
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        return handle.read()


def _section(title: str) -> str:
    text = _readme()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def _commands(section: str) -> list:
    """The indented code lines of a section as whole commands (continuation backslashes joined), comments cut."""
    lines = [line[4:] for line in section.splitlines() if line.startswith("    ")]
    commands, current = [], ""
    for line in lines:
        line = re.sub(r"\s+#.*$", "", line)
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        commands.append(current + line)
        current = ""
    return commands


def test_the_headless_example_runs_as_written(qgis_process_env, tmp_path):
    """The '## Headless' block, run as printed (only its output moved out of /tmp): enabling the plugin again says
    so and exits 1 as the comment warns, and the interpolation writes one band per FIELDS value, named for it."""
    import rasterio

    commands = _commands(_section("Headless"))
    enable = [c for c in commands if "plugins enable" in c]
    run = [c for c in commands if " run prospector:" in c]
    assert enable and run, commands
    done = subprocess.run(
        shlex.split(enable[0]), cwd=REPO, env=qgis_process_env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 1 and "already enabled" in (done.stdout + done.stderr), done.stdout + done.stderr
    output = str(tmp_path / "elements.tif")
    words = [_moved(w, tmp_path) for w in shlex.split(run[0])]
    assert f"OUTPUT={output}" in words  # the example's output, moved
    done = subprocess.run(words, cwd=REPO, env=qgis_process_env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["results"]["OUTPUT"] == output
    fields = [w.split("=", 1)[1] for w in words if w.startswith("FIELDS=")]
    with rasterio.open(output) as src:
        assert list(src.descriptions) == fields and src.crs.to_epsg() == 3067
    # the anomalies example, on that raster: every vector output named, as 3.22's qgis_process insists
    assert len(run) == 2 and "prospector:anomalies" in run[1], run
    words = [_moved(w, tmp_path) for w in shlex.split(run[1])]
    done = subprocess.run(words, cwd=REPO, env=qgis_process_env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)["results"]
    assert all(os.path.isfile(results[k]) for k in ("OUTPUT", "OUTPUT_CONTOURS", "OUTPUT_ANOMALIES")), results


def _moved(word: str, folder) -> str:
    """A KEY=/tmp/name word of the README's examples with the file moved into ``folder``."""
    key, _, value = word.partition("=")
    return f"{key}={folder / value[5:]}" if value.startswith("/tmp/") else word


@pytest.mark.parametrize("package", ["core", "algorithms"])
def test_the_layout_names_every_module(package):
    """The Layout block listed core/placement.py, core/qaqc.py, labels' commodities and confidence and
    algorithms/labels.py nowhere: each module (its file name without .py) is named in it, but for the algorithms'
    own files, named for their ids ("one thin adapter per algorithm", listed in "What it does")."""
    layout = _section("Layout")
    names = set(re.findall(r"[A-Za-z_]\w*", layout))
    names |= set(re.findall(r"`prospector:(\w+)`", _section("What it does")))
    missing = []
    for folder, _, files in os.walk(os.path.join(REPO, package)):
        if "__pycache__" in folder:
            continue
        for name in files:
            module = name[:-3]
            if name.endswith(".py") and module != "__init__" and module not in names:
                missing.append(os.path.relpath(os.path.join(folder, name), REPO))
    assert missing == []


def test_the_groups_per_step_are_those_the_outputs_load_into():
    """'in one group per step (*Geochemistry*, *Anomalies*, …)': the list left out *Evidence*, where evidence's
    stack loads (sweep 25c). The reference is the plugin's table of layer groups; a trainmodel map's group is named
    for its learner, as the sentence says after the list."""
    from geochem_prospector.algorithms.help import LAYER_GROUPS

    text = " ".join(_readme().split())
    listed = text.split("in one group per step (", 1)[1].split(", or ", 1)[0]
    assert set(re.findall(r"\*([^*]+)\*", listed)) == set(LAYER_GROUPS.values())


#: named in the README as gone ("since replaced by scripts/validate_lapland.py")
_REPLACED = {"scripts/validate_cnn_gtk.py"}


def test_every_file_the_readme_names_is_there():
    """Each path of the checkout the README names (links, `scripts/…`, `bench/results/…`, `tests/…`, `docs/…`,
    `resources/…`, `core/…`, `algorithms/…`) is a file or folder of it; `core/io/windows.prefetched_tiles` names a
    module and something it defines (sweep 25c: all were there; nothing checked it)."""
    text = _readme()
    named = set(re.findall(r"\]\(([^)#\s]+)\)", text))
    for code in re.findall(r"`([^`]+)`", text):
        for word in code.split():
            if re.match(r"(scripts|bench|tests|docs|resources|core|algorithms)/\w", word):
                named.add(word.rstrip(".,:;"))
    missing = []
    for path in sorted(named - _REPLACED):
        if os.path.exists(os.path.join(REPO, path)):
            continue
        module, _, attribute = path.rpartition(".")
        source = os.path.join(REPO, module + ".py")
        if not (os.path.isfile(source) and re.search(rf"^(def|class) {attribute}\b", open(source).read(), re.M)):
            missing.append(path)
    assert len(named) > 30 and missing == [], missing


def _github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation but hyphens and underscores dropped, spaces to
    hyphens (its documented rule for section links)."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_readme_section_links_reach_a_heading():
    """Every in-page link (`[..](#anchor)`, the contents line at the top among them) names a heading that exists,
    so moving or renaming a section cannot leave a dead link."""
    text = _readme()
    headings = {_github_anchor(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}
    links = re.findall(r"\]\(#([^)]+)\)", text)
    assert len(links) >= 10, "the contents line links the README's sections"
    assert [link for link in links if link not in headings] == []
