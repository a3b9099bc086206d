"""pip install ./python: builds rill._rill with the repository's CMake build and installs the
`rill` package. Works with what Debian ships (setuptools, CMake, pybind11-dev); without network
access pass --no-build-isolation so pip uses the installed setuptools:

    pip install --no-build-isolation ./python

RILL_BUILD_DIR picks the CMake build directory (default: build-python-<version> at the root).
"""
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent


def version() -> str:
    text = (ROOT / "include" / "rill" / "version.h").read_text()
    return text.split('kVersion = "')[1].split('"')[0]


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        py_version = sysconfig.get_python_version()
        build_dir = pathlib.Path(os.environ.get("RILL_BUILD_DIR", ROOT / f"build-python-{py_version}"))
        configure = ["cmake", "-S", str(ROOT), "-B", str(build_dir),
                     f"-DPython3_EXECUTABLE={sys.executable}",
                     "-DRILL_BUILD_TESTS=OFF", "-DRILL_BUILD_BENCH=OFF", "-DRILL_WERROR=OFF"]
        if shutil.which("ninja"):
            configure += ["-G", "Ninja"]
        try:  # pybind11 from pip, where the interpreter has it; else Debian's pybind11-dev
            import pybind11
            configure.append(f"-Dpybind11_DIR={pybind11.get_cmake_dir()}")
        except ImportError:
            pass
        if not (build_dir / "CMakeCache.txt").exists():
            subprocess.check_call(configure)
        jobs = os.environ.get("JOBS", str(os.cpu_count() or 2))
        subprocess.check_call(["cmake", "--build", str(build_dir), "--target", "rill_python",
                               "--parallel", jobs])
        built = next((build_dir / "python" / "rill").glob("_rill*" + sysconfig.get_config_var("EXT_SUFFIX")))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)


setup(
    name="rill",
    version=version(),
    description="A CUDA inference runtime that never makes you pay for the default stream",
    packages=["rill"],
    package_dir={"rill": "rill"},
    ext_modules=[Extension("rill._rill", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    install_requires=["numpy"],
    zip_safe=False,
)
