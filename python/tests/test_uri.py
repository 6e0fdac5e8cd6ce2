"""The mlite: URI: which file it names, and what it refuses."""

import os

import pytest

from mlite_mlflow import MliteError, store_path


@pytest.mark.parametrize(
    "uri, want",
    [
        ("mlite:///abs/path/credit.mlite", "/abs/path/credit.mlite"),
        ("mlite://localhost/abs/credit.mlite", "/abs/credit.mlite"),
        ("mlite:credit.mlite", "{cwd}/credit.mlite"),
        ("mlite:sub/credit.mlite", "{cwd}/sub/credit.mlite"),
        ("MLITE:credit.mlite", "{cwd}/credit.mlite"),
        ("mlite:///abs/my%20runs.mlite", "/abs/my runs.mlite"),
        ("mlite:~/credit.mlite", "{home}/credit.mlite"),
    ],
)
def test_store_path(uri, want):
    want = want.format(cwd=os.getcwd(), home=os.path.expanduser("~"))
    assert store_path(uri) == want


@pytest.mark.parametrize(
    "uri, says",
    [
        ("sqlite:///x.db", "not an mlite: URI"),
        ("mlite://otherhost/x.mlite", "not a host 'otherhost'"),
        ("mlite:", "names no file"),
        ("mlite:///x.mlite?mode=ro", "no query"),
    ],
)
def test_store_path_refuses(uri, says):
    with pytest.raises(MliteError, match=says):
        store_path(uri)
