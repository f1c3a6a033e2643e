"""The console's assets on CloudFront (infra/console-assets.yaml, merged by infra/package.py):
a private bucket read only through the distribution, a year's caching of the content-hashed
files, nosniff and CORS for the page, the API function's CONSOLE_ASSETS_URL pointing at it,
and what the China regions need (an ICP-filed domain with an IAM certificate; no OAC)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.settings import settings_from_env
from devstack.commands.console_assets import DEFAULT_PREFIX
from infra.invoke import Values
from tests.deploy.test_template import _package

REGIONS = ("ap-east-1", "cn-north-1", "cn-northwest-1")  # .cfnlintrc.yaml
PUBLIC_URL = "https://claims.example.com"
CDN = {f"ConsoleAssets{name}" for name in ("Bucket", "BucketPolicy", "Oai", "CachePolicy",
                                            "HeadersPolicy", "Distribution")}  # fmt: skip


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    return {stage: _package(stage, tmp_path_factory.mktemp(stage))["template"]
            for stage in ("dev", "prod")}  # fmt: skip


@pytest.fixture(scope="module")
def template(packaged):
    return packaged["prod"]


def _values(template: dict, region: str = "ap-east-1", **parameters: str) -> Values:
    return Values.local(template, region=region, **{"PublicUrl": PUBLIC_URL, **parameters})


def _assets_url(template: dict, region: str = "ap-east-1", **parameters: str) -> str:
    env = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    return _values(template, region, **parameters).resolve(env["CONSOLE_ASSETS_URL"])


def test_on_in_prod_by_default_off_in_dev(packaged):
    defaults = {s: t["Parameters"]["ConsoleAssetsCdn"]["Default"] for s, t in packaged.items()}
    assert defaults == {"dev": "false", "prod": "true"}
    for template in packaged.values():
        made = {k for k, v in template["Resources"].items()
                if v.get("Condition") == "UseConsoleAssetsCdn"}  # fmt: skip
        assert made == CDN


def test_the_bucket_is_private_encrypted_and_unversioned(template):
    props = template["Resources"]["ConsoleAssetsBucket"]["Properties"]
    assert props["BucketName"] == {"Fn::Sub": "claimbot-${Stage}-console-assets-${AWS::AccountId}"}
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "VersioningConfiguration" not in props
    # Old builds are never expired: a page open for long still names them.
    rules = props["LifecycleConfiguration"]["Rules"]
    assert not any("ExpirationInDays" in r or "ExpirationDate" in r for r in rules)


def test_only_the_distribution_reads_the_bucket_and_only_over_tls(template):
    policy = template["Resources"]["ConsoleAssetsBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "ConsoleAssetsBucket"}
    allow, deny = policy["PolicyDocument"]["Statement"]
    assert allow["Effect"] == "Allow" and allow["Action"] == "s3:GetObject"
    assert allow["Principal"] == {
        "CanonicalUser": {"Fn::GetAtt": ["ConsoleAssetsOai", "S3CanonicalUserId"]}
    }
    assert allow["Resource"] == {"Fn::Sub": "${ConsoleAssetsBucket.Arn}/*"}
    assert deny["Effect"] == "Deny" and deny["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    origin = template["Resources"]["ConsoleAssetsDistribution"]["Properties"][
        "DistributionConfig"]["Origins"][0]  # fmt: skip
    assert origin["DomainName"] == {"Fn::GetAtt": ["ConsoleAssetsBucket", "RegionalDomainName"]}
    assert origin["S3OriginConfig"] == {
        "OriginAccessIdentity": {"Fn::Sub": "origin-access-identity/cloudfront/${ConsoleAssetsOai}"}
    }


def test_every_cloudfront_type_exists_in_every_region_the_template_targets(template):
    """CloudFormation refuses a template naming a type its region lacks, whatever the
    condition: OAC (AWS::CloudFront::OriginAccessControl) is missing in the China regions,
    hence the origin access identity everywhere."""
    import cfnlint

    providers = Path(cfnlint.__file__).parent / "data" / "schemas" / "providers"
    used = {v["Type"] for v in template["Resources"].values()
            if v["Type"].startswith("AWS::CloudFront::")}  # fmt: skip
    assert used == {"AWS::CloudFront::CloudFrontOriginAccessIdentity",
                    "AWS::CloudFront::CachePolicy", "AWS::CloudFront::ResponseHeadersPolicy",
                    "AWS::CloudFront::Distribution"}  # fmt: skip
    for region in REGIONS:
        known = json.loads((providers / f"{region}.json").read_text(encoding="utf-8"))
        assert used <= set(known), region
    china = json.loads((providers / "cn-north-1.json").read_text(encoding="utf-8"))
    assert "AWS::CloudFront::OriginAccessControl" not in china  # why there is no OAC here


def test_the_hashed_files_are_cached_a_year_with_nosniff_and_cors_for_the_page(template):
    resources = template["Resources"]
    behaviour = resources["ConsoleAssetsDistribution"]["Properties"]["DistributionConfig"][
        "DefaultCacheBehavior"]  # fmt: skip
    assert behaviour["ViewerProtocolPolicy"] == "https-only"
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"] and behaviour["Compress"] is True
    assert behaviour["CachePolicyId"] == {"Ref": "ConsoleAssetsCachePolicy"}
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "ConsoleAssetsHeadersPolicy"}

    cache = resources["ConsoleAssetsCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert cache["DefaultTTL"] == cache["MaxTTL"] == 31536000
    key = cache["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    assert key["HeadersConfig"] == {"HeaderBehavior": "none"}

    headers = resources["ConsoleAssetsHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    assert headers["SecurityHeadersConfig"]["ContentTypeOptions"] == {"Override": True}
    # Cache-Control comes with each object (the publish command): a header added here would
    # also reach a 403 for a file not yet published, and browsers would keep that for a year.
    assert "CustomHeadersConfig" not in headers
    cors = headers["CorsConfig"]
    (origin,) = _values(template).resolve(cors["AccessControlAllowOrigins"]["Items"])
    assert origin == PUBLIC_URL
    api_stage = _values(template, PublicUrl="https://abc.execute-api.ap-east-1.amazonaws.com/api")
    assert api_stage.resolve(cors["AccessControlAllowOrigins"]["Items"]) == [
        "https://abc.execute-api.ap-east-1.amazonaws.com"
    ]
    assert cors["AccessControlAllowCredentials"] is False


def test_the_api_function_points_the_page_at_the_distribution(template):
    assert _assets_url(template) == f"https://consoleassetsdistribution.cloudfront.net/{DEFAULT_PREFIX}"
    domain = {"ConsoleAssetsDomain": "static.claims.example.com", "ConsoleAssetsCertificate": "c1"}
    assert _assets_url(template, **domain) == f"https://static.claims.example.com/{DEFAULT_PREFIX}"
    assert _assets_url(template, "cn-north-1", **domain) == (
        f"https://static.claims.example.com/{DEFAULT_PREFIX}"
    )
    assert _assets_url(template, ConsoleAssetsCdn="false") == ""
    # The app takes it (https only) and the other functions have no use for it.
    settings = settings_from_env({"CONSOLE_ASSETS_URL": _assets_url(template, **domain)})
    assert settings.console_assets_url == f"https://static.claims.example.com/{DEFAULT_PREFIX}"
    others = [k for k, v in template["Resources"].items()
              if v["Type"] == "AWS::Serverless::Function" and k != "APIHandler"
              and "CONSOLE_ASSETS_URL" in v["Properties"]["Environment"]["Variables"]]  # fmt: skip
    assert others == []
    output = template["Outputs"]["ConsoleAssetsUrl"]["Value"]
    assert _values(template).resolve(output) == _assets_url(template)


@pytest.mark.parametrize(
    ("region", "domain", "certificate"),
    [("ap-east-1", "", {"CloudFrontDefaultCertificate": True}),
     ("ap-east-1", "static.claims.example.com",
      {"AcmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/c1",
       "SslSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"}),
     ("cn-north-1", "static.claims.example.com",
      {"IamCertificateId": "c1", "SslSupportMethod": "sni-only",
       "MinimumProtocolVersion": "TLSv1.2_2021"})],
)  # fmt: skip
def test_the_certificate_is_acms_outside_china_and_iams_inside(
    template, region, domain, certificate
):
    config = template["Resources"]["ConsoleAssetsDistribution"]["Properties"]["DistributionConfig"]
    values = _values(template, region, ConsoleAssetsDomain=domain, ConsoleAssetsCertificate="c1")
    assert values.resolve(config["ViewerCertificate"]) == certificate
    assert values.resolve(config["Aliases"]) == ([domain] if domain else None)


def test_in_china_the_stack_refuses_the_cdn_without_an_icp_domain(template):
    rule = template["Rules"]["ConsoleAssetsInChinaNeedADomain"]
    cdn_on, in_china = rule["RuleCondition"]["Fn::And"]
    assert cdn_on == {"Fn::Equals": [{"Ref": "ConsoleAssetsCdn"}, "true"]}
    assert in_china == {"Fn::Contains": [["cn-north-1", "cn-northwest-1"], {"Ref": "AWS::Region"}]}
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ConsoleAssetsDomain"}, ""]}]
    }
    assert "ICP" in assertion["AssertDescription"]
    needs_cert = template["Rules"]["ConsoleAssetsDomainNeedsACertificate"]["Assertions"][0]
    assert needs_cert["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ConsoleAssetsCertificate"}, ""]}]
    }


# --- the build in the API's package -----------------------------------------------------------


def test_packaging_stops_without_the_console_build(tmp_path, monkeypatch, capsys):
    from infra import package as p

    monkeypatch.setattr(p, "CONSOLE_ASSETS", tmp_path / "assets")
    out = tmp_path / "out"
    assert p.main(["--stage", "prod", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "the console is not built" in err and "manifest.json is missing" in err
    assert "make console" in err
    assert not (out / "deployment.zip").exists() and not (out / "template.yaml").exists()
    # The template alone (--fast: cfn-lint, the tests) needs no build: the fixture above made
    # it; packaging in this process would change its environment (Chalice's stage variables).


def test_a_build_missing_a_file_its_manifest_names_stops_packaging(tmp_path):
    from infra import package as p

    (tmp_path / "manifest.json").write_text(
        json.dumps({"console.js": "console-AAAAAAAA.js", "console.css": "console-BBBBBBBB.css"})
    )
    (tmp_path / "console-AAAAAAAA.js").write_text("x")
    with pytest.raises(p.PackageError, match=r"lacks console-BBBBBBBB.css"):
        p.console_build(tmp_path)
    (tmp_path / "console-BBBBBBBB.css").write_text("x")
    assert p.console_build(tmp_path) == [
        "manifest.json", "console-AAAAAAAA.js", "console-BBBBBBBB.css"
    ]
