"""compile_hls, simulate and csim from Python return the figures the command line writes."""

import json
import os
import subprocess

import inrarch

SPEC = "siren:in=2,out=2,width=8,hidden=1,omega=30,seed=3"


def test_simulate_matches_the_command_line(tmp_path):
    model = inrarch.load(SPEC)
    ours = model.simulate(order=1, num_points=8, tile=2, dsp_budget=1000, out_dir=tmp_path / "py")
    assert ours["deadlock"] is False and ours["cycles"] > 0
    assert ours["design"]["number"] == "fixed32_10"
    assert "analysis and simulator agree" in ours["text"]
    assert os.path.exists(tmp_path / "py" / "gantt.svg")
    cli = os.environ.get("INRARCH_CLI")
    if cli:  # the command line's simulation.json for the same design
        subprocess.run([cli, "simulate", SPEC, "--order", "1", "--num-points", "8", "--tile", "2",
                        "--dsp-budget", "1000", "-o", str(tmp_path / "cli")], check=True, capture_output=True)
        with open(tmp_path / "cli" / "simulation.json") as file:
            theirs = json.load(file)
        for key in ("cycles", "unbounded_cycles", "fifo_words", "resources", "streams"):
            assert ours[key] == theirs[key], key


def test_compile_then_csim_passes(tmp_path):
    model = inrarch.load(SPEC)
    project = model.compile_hls(order=1, out_dir=tmp_path / "hls", tile=2, dtype="float", test_points=4)
    assert project["number"] == "float" and project["tile_points"] == 2 and project["processes"] > 0
    assert project["fifo_sizing"].startswith("FIFO sizing analytic")
    with open(tmp_path / "hls" / "report.json") as file:
        assert json.load(file)["tile_points"] == 2
    assert inrarch.csim(tmp_path / "hls") == {"status": 0, "passed": True}
