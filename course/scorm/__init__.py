"""SCORM 1.2 and 2004 packages of the course: pure, modules in and zip bytes out."""

from course.scorm.manifest import SCHEMA_VERSIONS, ScormVersion
from course.scorm.package import build_package, package_file_name

__all__ = ["SCHEMA_VERSIONS", "ScormVersion", "build_package", "package_file_name"]
