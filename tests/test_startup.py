"""The command line starts without torch, scikit-learn or matplotlib: help, argument errors and `ae models` are
answered from click and the cached model options (autoencoders.cli._cache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("torch", "sklearn", "matplotlib")
PROBE = """
import json, sys
from autoencoders.cli import cli
try:
    cli(sys.argv[1:], prog_name="ae")
except SystemExit as stop:
    code = stop.code
print(json.dumps({"exit": code, "heavy": sorted(m for m in HEAVY if m in sys.modules)}))
""".replace("HEAVY", repr(HEAVY))


def _probe(*args: str, cache) -> dict:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "AUTOENCODERS_CACHE": str(cache)})
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("warm")
    for warm in (["train", "--help"], ["train", "--model", "vae", "--help"]):  # fill the cache (imports the models)
        _probe(*warm, cache=cache)
    return cache


@pytest.mark.parametrize("args", [["--help"], ["train", "--help"], ["train", "--model", "vae", "--help"], ["models"],
                                  ["train", "--epochs", "0"], ["train", "--split", "foo"], ["encode"],
                                  ["export", "--help"], ["detect", "--help"]])
def test_help_argument_errors_and_models_import_no_heavy_library(args, warm_cache):
    probe = _probe(*args, cache=warm_cache)
    assert probe["heavy"] == [], probe
    assert probe["exit"] in (0, 1, 2, None), probe


def test_the_cached_options_match_the_generated_ones(tmp_path, monkeypatch):
    from autoencoders.cli import _model_options
    from autoencoders.registry import list_models

    monkeypatch.setenv("AUTOENCODERS_CACHE", str(tmp_path))
    for parts in [*((name, None, None) for name in list_models()), (None, "conv", "vae"), ("deep", None, "vq")]:
        generated = _model_options.model_option_params(*parts)
        for cached in (_model_options.cached_option_params(*parts), _model_options.cached_option_params(*parts)):
            assert [p.to_info_dict() for p in cached] == [p.to_info_dict() for p in generated]
    assert [line.split()[1] for line in _model_options.model_summaries() if line.startswith("preset")] == list_models()
    assert len(list(tmp_path.glob("cli-*.json"))) == 1


def test_an_edited_source_file_makes_a_fresh_cache(tmp_path, monkeypatch):
    from autoencoders.cli import _cache

    monkeypatch.setenv("AUTOENCODERS_CACHE", str(tmp_path))
    assert _cache.remembered("key", lambda: 1) == 1
    assert _cache.remembered("key", lambda: 2) == 1  # remembered
    monkeypatch.setattr(_cache, "fingerprint", lambda: "another-version")
    assert _cache.remembered("key", lambda: 3) == 3


def test_subpackages_stay_attributes_of_the_lazy_package():
    import autoencoders as ae

    assert ae.data.load_data is ae.load_data  # `import autoencoders as ae; ae.data...` works as before
    assert ae.applications.__name__ == "autoencoders.applications"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        ae.nothing  # noqa: B018
