"""The build hook of mlite-mlflow: `go build ./cmd/mlite` into the wheel.

When the package is built from the mlite repository (go.mod one folder up)
on a machine with Go, build_py compiles the mlite binary into
mlite_mlflow/bin/, and the wheel is tagged for this platform. Without Go
or outside the repository (MLITE_SKIP_GO_BUILD=1 forces it), the wheel
carries no binary and the package runs $MLITE_BIN or mlite on PATH.
"""

import os
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def _go_binary_wanted():
    if os.environ.get("MLITE_SKIP_GO_BUILD"):
        return False
    if not os.path.isfile(os.path.join(REPO, "go.mod")) or not os.path.isdir(os.path.join(REPO, "cmd", "mlite")):
        print("mlite-mlflow: not inside the mlite repository; the wheel bundles no mlite binary", file=sys.stderr)
        return False
    if shutil.which("go") is None:
        print("mlite-mlflow: no go on PATH; the wheel bundles no mlite binary", file=sys.stderr)
        return False
    return True


class BuildPyWithMlite(build_py):
    """build_py, then go build ./cmd/mlite into the package's bin/."""

    def run(self):
        super().run()
        if not _go_binary_wanted():
            return
        name = "mlite.exe" if os.name == "nt" else "mlite"
        out = os.path.join(os.path.abspath(self.build_lib), "mlite_mlflow", "bin", name)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        print(f"mlite-mlflow: go build -o {out} ./cmd/mlite", file=sys.stderr)
        subprocess.run(["go", "build", "-o", out, "./cmd/mlite"], cwd=REPO, check=True)


class PlatformWheel(bdist_wheel):
    """A wheel for this platform when it carries a binary."""

    def finalize_options(self):
        super().finalize_options()
        if _go_binary_wanted():
            self.root_is_pure = False

    def get_tag(self):
        python, abi, plat = super().get_tag()
        if not self.root_is_pure:
            python, abi = "py3", "none"
        return python, abi, plat


setup(cmdclass={"build_py": BuildPyWithMlite, "bdist_wheel": PlatformWheel})
