"""AWS names checked before any AWS call: regions, partitions, S3 bucket names, and host names
that are IP addresses.

Shared by the config loader and every command, so a name one accepts the other does not refuse.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from pathlib import Path
from typing import Any

# A region name: a two-to-four-letter area, words, a number (us-east-1, us-gov-west-1,
# eusc-de-east-1). The form of every `regionRegex` in botocore's partitions.json, loosened to
# accept regions newer than the installed botocore; a name outside it is never a region, and
# botocore would refuse it with InvalidRegionError or build a bogus endpoint host from it.
REGION_PATTERN = r"[a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2}"
REGION = re.compile(REGION_PATTERN)


def region_problem(value: str) -> str | None:
    """None for a well-formed region name, else what is wrong with it (one phrase)."""
    if REGION.fullmatch(value):
        return None
    if not value:
        return "'' is empty; expected a region name like us-east-1"
    shown = repr(value if len(value) <= 80 else value[:77] + "...")
    hint = ""
    if REGION.fullmatch(value[:-1]) and value[-1].isalpha():
        hint = f" ({shown} looks like an availability zone; the region is {value[:-1]})"
    return f"{shown} is not an AWS region; expected a name like us-east-1{hint}"


@functools.cache
def partitions() -> dict[str, re.Pattern[str]]:
    """Partition id -> the regex its region names match, from botocore's own partitions.json
    (aws, aws-cn, aws-us-gov, aws-iso*, aws-eusc: the partitions this botocore can call)."""
    import botocore

    data: dict[str, Any] = json.loads(
        (Path(botocore.__file__).parent / "data" / "partitions.json").read_text("utf-8")
    )
    return {item["id"]: re.compile(item["regionRegex"]) for item in data["partitions"]}


def arn_partition_problem(partition: str, region: str) -> str | None:
    """None when `partition` exists and `region` belongs to it, else what is wrong."""
    known = partitions()
    pattern = known.get(partition)
    if pattern is None:
        return f"partition {partition!r} does not exist; AWS partitions are {', '.join(known)}"
    if not pattern.match(region):
        owner = next((name for name, regex in known.items() if regex.match(region)), None)
        where = f" (it is in partition {owner})" if owner else ""
        return f"region {region!r} is not in partition {partition!r}{where}"
    return None


# S3 general purpose bucket naming rules:
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (prefixes xn--,
# sthree- (sthree-configurator), amzn-s3-demo-; suffixes -s3alias, --ol-s3, .mrap); --x-s3 ends
# every directory bucket name (.../directory-bucket-naming-rules.html) and --table-s3 is
# reserved by S3 Tables (.../s3-tables-buckets-naming.html). 3-63 characters of lower-case letters, digits, dots and hyphens, a letter or digit at both ends,
# no two adjacent periods, not formatted as an IP address, and not the prefixes and suffixes that
# S3 reserves for access point aliases, Object Lambda, Multi-Region Access Points, directory
# buckets, table buckets and its own documentation examples.
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problem(name: str) -> str | None:
    """None for a name S3 lets a general purpose bucket have, else what is wrong."""
    if not _BUCKET_NAME.fullmatch(name) or ".." in name:
        return (
            f"{name!r} is not an S3 bucket name: 3-63 characters, lower-case letters, digits, "
            "dots and hyphens, starting and ending with a letter or digit, no '..'"
        )
    if is_ip_address(name) or re.fullmatch(r"[\d.]+", name):
        return f"{name!r} is not an S3 bucket name: it is formatted as an IP address"
    prefix = next((p for p in RESERVED_BUCKET_PREFIXES if name.startswith(p)), None)
    if prefix is not None:
        return f"{name!r} is not an S3 bucket name: S3 reserves the prefix {prefix!r}"
    suffix = next((s for s in RESERVED_BUCKET_SUFFIXES if name.endswith(s)), None)
    if suffix is not None:
        return f"{name!r} is not an S3 bucket name: S3 reserves the suffix {suffix!r}"
    return None


def is_ip_address(text: str) -> bool:
    """An IPv4 or IPv6 address (also in brackets), not a DNS name."""
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def looks_like_an_ip_address(name: str) -> bool:
    """A host name that is an IP address, or a typo of one: an all-numeric last label is never a
    top-level domain (RFC 3696 section 2), and IPv6 addresses hold ':'."""
    candidate = name[:-1] if name.endswith(".") else name
    return is_ip_address(candidate) or candidate.rsplit(".", 1)[-1].isdigit()
