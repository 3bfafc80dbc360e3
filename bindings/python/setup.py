"""Only for wheels that carry libdlpk.so (build-wheel.sh): such a wheel is platform-specific."""
import os

from setuptools import setup
from setuptools.dist import Distribution

SHIPPED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "src", "dlpk", "libdlpk.so")


class MaybeBinaryDistribution(Distribution):
    def has_ext_modules(self) -> bool:
        return os.path.exists(SHIPPED)


setup(distclass=MaybeBinaryDistribution)
