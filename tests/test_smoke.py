from conftest import PROJECT


def test_real_content_builds_with_seed_text(tmp_path):
    import subprocess, sys
    out = tmp_path / "public"
    result = subprocess.run([sys.executable, "-m", "biteye_site", "build", "--output", str(out),
                             "--now", "2026-11-01T12:00:00-03:00"], cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    page = (out / "artigos/crise-de-lideranca-na-equipe-qwen/index.html").read_text(encoding="utf-8")
    assert "O Festival das Lanternas acabou de passar" in page
    assert "4 de março de 2026" in page
    assert (out / "autores/amelia/index.html").is_file()
    assert (out / "tags/codigo-aberto/index.html").is_file()


def test_command_ends_fast_yet_reports_and_profiles(tmp_path):
    """`python -m biteye_site` ends with os._exit after main() (no heap teardown): its
    summary still reaches a pipe, a failure still exits 1, and under a profiler it exits
    normally, so the profile is written."""
    import subprocess, sys
    run = lambda *args: subprocess.run([sys.executable, *args], cwd=PROJECT, capture_output=True, text=True)  # noqa: E731
    now = ["--now", "2026-11-01T12:00:00-03:00"]
    done = run("-m", "biteye_site", "build", "--output", str(tmp_path / "a"), *now)
    assert done.returncode == 0 and "Site gerado em" in done.stdout, done.stderr
    failed = run("-m", "biteye_site", "build", "--config", str(tmp_path / "nada.yaml"), *now)
    assert failed.returncode == 2 and failed.stderr.strip()
    profile = tmp_path / "build.prof"
    profiled = run("-m", "cProfile", "-o", str(profile), "-m", "biteye_site", "build", "--output", str(tmp_path / "b"),
                   "--quiet", *now)
    assert profiled.returncode == 0, profiled.stderr
    import pstats
    assert any(name == "generate" for (_, _, name) in pstats.Stats(str(profile)).stats)
