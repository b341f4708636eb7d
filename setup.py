"""Builds inrarch._core through the project's CMake; metadata is in pyproject.toml.

    pip install --no-build-isolation .

configures a Release build of the C++ library and the module in the wheel's build folder (a few
minutes on two cores). INRARCH_BUILD_DIR=<an already configured CMake build folder, e.g.
build/debug> builds the module there instead and packages that build (what scripts/test.sh does
to check the packaging cheaply).
"""

import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = os.environ.get("INRARCH_BUILD_DIR")
        if build:
            build = os.path.abspath(build)
        else:
            build = os.path.abspath(os.path.join(self.build_temp, "cmake"))
            subprocess.run(["cmake", "-S", ROOT, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                            f"-DPython3_EXECUTABLE={sys.executable}", "-DINRARCH_BUILD_TESTS=OFF",
                            "-DINRARCH_BUILD_BENCH=OFF", "-DINRARCH_BUILD_PYTHON=ON"], check=True)
        subprocess.run(["cmake", "--build", build, "--target", "inrarch_python", "-j", str(os.cpu_count() or 1)],
                       check=True)
        built = os.path.join(build, "python", "inrarch", os.path.basename(self.get_ext_filename(ext.name)))
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built, target)


setup(ext_modules=[Extension("inrarch._core", sources=[])], cmdclass={"build_ext": CMakeBuild})
