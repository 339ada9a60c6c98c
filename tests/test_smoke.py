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
