"""Deploy and teardown of the AWS half against a real moto server."""

from __future__ import annotations

import json
import stat
import zipfile

import pytest
from botocore.exceptions import ClientError

from lab_support.deploy.config import DeployError
from tests.lab_support.deploy.conftest import (
    ACCOUNT,
    CREDENTIAL_CONFIG,
    PROCESSOR_UNIQUE_ID,
    PROJECT,
    aws_client,
    iam_enforced,
    outcome,
)


def _error_code(call, **params) -> str:
    with pytest.raises(ClientError) as raised:
        call(**params)
    return raised.value.response["Error"]["Code"]


def test_deploy_makes_a_private_bucket_with_expiring_objects(course):
    course.deploy_aws()
    s3 = aws_client("s3")

    block = s3.get_public_access_block(Bucket=course.bucket)
    assert block["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=course.bucket)["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["Expiration"] == {"Days": 3}
    assert rule["Filter"] == {"Prefix": ""}
    ownership = s3.get_bucket_ownership_controls(Bucket=course.bucket)
    assert ownership["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}
    ]
    tags = s3.get_bucket_tagging(Bucket=course.bucket)["TagSet"]
    assert tags == [{"Key": "course", "Value": course.prefix}]


def test_deploy_skips_the_tls_only_policy_on_a_plain_http_endpoint(course):
    output = course.deploy_aws()

    assert outcome(output, "requests over TLS only").startswith(
        "skipped: this endpoint is plain HTTP"
    )
    code = _error_code(aws_client("s3").get_bucket_policy, Bucket=course.bucket)
    assert code == "NoSuchBucketPolicy"


def test_deploy_creates_the_ingest_lambda_as_the_contract_says(course):
    course.deploy_aws()
    function = aws_client("lambda").get_function(FunctionName=f"{course.prefix}-ingest")

    config = function["Configuration"]
    assert config["Runtime"] == "python3.13"
    assert config["Architectures"] == ["arm64"]
    assert config["Handler"] == "handler.handler"
    assert config["State"] == "Active"
    assert config["Role"] == (
        f"arn:aws:iam::{ACCOUNT}:role/{course.prefix}/{course.prefix}-ingest"
    )
    assert config["Environment"]["Variables"] == {
        "PUBSUB_TOPIC": f"projects/{PROJECT}/topics/{course.prefix}-image-uploads",
        "RESULTS_BUCKET": course.bucket,
        "OUTPUT_FORMAT": "JPEG",
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "GOOGLE_APPLICATION_CREDENTIALS": "/var/task/gcp-wif-credentials.json",
    }
    assert function["Tags"] == {"course": course.prefix}


def test_deploy_uploads_the_zip_with_the_wif_config_readable_by_lambda(course):
    course.deploy_aws()

    bundle = course.build / f"{course.prefix}-ingest-deploy.zip"
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        entry = archive.getinfo("gcp-wif-credentials.json")
        config = json.loads(archive.read(entry))
    assert {"handler.py", "imagepipe/events.py", "gcp-wif-credentials.json"} <= names
    assert config == CREDENTIAL_CONFIG
    assert stat.S_IMODE(entry.external_attr >> 16) == 0o644


def test_deploy_writes_no_ssm_parameter_since_the_lambda_reads_its_zip(course):
    output = course.deploy_aws()

    assert "SSM" not in output
    name = f"/{course.prefix}/ingest/gcp-credential-config"
    code = _error_code(aws_client("ssm").get_parameter, Name=name)
    assert code == "ParameterNotFound"


def test_deploy_gives_the_function_url_iam_auth_by_default(course):
    output = course.deploy_aws()

    url = aws_client("lambda").get_function_url_config(
        FunctionName=f"{course.prefix}-ingest"
    )
    assert url["AuthType"] == "AWS_IAM"
    assert f"Function URL: {url['FunctionUrl']}" in output
    assert "WARNING" not in output


def test_public_url_opens_the_url_with_a_warning_and_a_private_deploy_closes_it(
    course,
):
    lam = aws_client("lambda")
    function = f"{course.prefix}-ingest"

    public = course.deploy_aws("--public-url")
    assert "WARNING: --public-url makes the Function URL callable by anyone" in public
    assert "at most 5 requests run at once" in public
    assert lam.get_function_url_config(FunctionName=function)["AuthType"] == "NONE"
    statements = json.loads(lam.get_policy(FunctionName=function)["Policy"])
    assert {s["Sid"] for s in statements["Statement"]} == {
        "public-function-url",
        "public-function-url-invoke",
    }
    concurrency = lam.get_function_concurrency(FunctionName=function)
    assert concurrency["ReservedConcurrentExecutions"] == 5

    course.deploy_aws()
    assert lam.get_function_url_config(FunctionName=function)["AuthType"] == "AWS_IAM"
    code = _error_code(lam.get_policy, FunctionName=function)
    assert code == "ResourceNotFoundException"
    concurrency = lam.get_function_concurrency(FunctionName=function)
    assert "ReservedConcurrentExecutions" not in concurrency


def test_public_url_stays_closed_when_the_account_cannot_reserve_concurrency(
    course, monkeypatch
):
    # moto then refuses a reservation that leaves under 100 unreserved, as AWS does.
    monkeypatch.setenv("MOTO_LAMBDA_CONCURRENCY_QUOTA", "100")

    with pytest.raises(DeployError, match="concurrency quota is too low") as raised:
        course.deploy_aws("--public-url")

    assert "deploy without --public-url" in str(raised.value)
    code = _error_code(
        aws_client("lambda").get_function_url_config,
        FunctionName=f"{course.prefix}-ingest",
    )
    assert code == "ResourceNotFoundException"


def test_deploy_twice_brings_everything_up_to_date(course):
    course.deploy_aws()
    again = course.deploy_aws()

    prefix = course.prefix
    # In us-east-1 S3 answers a second CreateBucket by its owner with 200.
    assert outcome(again, f"create    S3 bucket {prefix}-results") == "done"
    for created in (
        f"CloudWatch log group /aws/lambda/{prefix}-ingest",
        f"IAM role /{prefix}/{prefix}-ingest",
        f"IAM role /{prefix}/{prefix}-processor",
        f"Lambda function {prefix}-ingest",
    ):
        assert outcome(again, f"create    {created}") == "exists: brought up to date"
    roles = aws_client("iam").list_roles(PathPrefix=f"/{course.prefix}/")["Roles"]
    assert sorted(role["RoleName"] for role in roles) == [
        f"{course.prefix}-ingest",
        f"{course.prefix}-processor",
    ]


def test_processor_role_trusts_only_the_processor_service_account(course):
    course.deploy_aws()
    role = aws_client("iam").get_role(RoleName=f"{course.prefix}-processor")["Role"]

    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Federated": "accounts.google.com"}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            "accounts.google.com:aud": PROCESSOR_UNIQUE_ID,
            "accounts.google.com:sub": PROCESSOR_UNIQUE_ID,
            "accounts.google.com:oaud": "sts.amazonaws.com",
        }
    }
    assert role["Tags"] == [{"Key": "course", "Value": course.prefix}]


def _assumed_processor(course) -> dict[str, str]:
    sts = aws_client("sts")
    answer = sts.assume_role_with_web_identity(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{course.prefix}/{course.prefix}-processor",
        RoleSessionName="processor",
        # moto does not verify the token; real STS checks it against the trust.
        WebIdentityToken="eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMDQ1In0.c2ln",
    )
    return _keys(answer["Credentials"])


def _assumed_ingest(course) -> dict[str, str]:
    answer = aws_client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{course.prefix}/{course.prefix}-ingest",
        RoleSessionName=f"{course.prefix}-ingest",
    )
    return _keys(answer["Credentials"])


def _keys(credentials: dict) -> dict[str, str]:
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def test_processor_role_may_write_results_and_nothing_else(course):
    course.deploy_aws()
    aws_client("s3").create_bucket(Bucket=f"{course.prefix}-elsewhere")
    keys = _assumed_processor(course)

    with iam_enforced(course.endpoint):
        s3 = aws_client("s3", **keys)
        s3.put_object(Bucket=course.bucket, Key="processed/e1.jpg", Body=b"jpeg")
        s3.put_object(Bucket=course.bucket, Key="failed/e2.json", Body=b"{}")
        body = s3.get_object(Bucket=course.bucket, Key="processed/e1.jpg")["Body"]
        assert body.read() == b"jpeg"

        denied = {
            "put outside the prefixes": _error_code(
                s3.put_object, Bucket=course.bucket, Key="uploads/e3.jpg", Body=b"x"
            ),
            "put to a look-alike prefix": _error_code(
                s3.put_object, Bucket=course.bucket, Key="processedx/e4", Body=b"x"
            ),
            "put to another bucket": _error_code(
                s3.put_object,
                Bucket=f"{course.prefix}-elsewhere",
                Key="processed/e5.jpg",
                Body=b"x",
            ),
            "delete a result": _error_code(
                s3.delete_object, Bucket=course.bucket, Key="processed/e1.jpg"
            ),
        }
    # Limitation: moto applies no condition of an identity policy, so it would
    # let the role list the whole bucket; real S3 allows a list only with a
    # prefix under processed/ or failed/, as the document below says.
    assert denied == dict.fromkeys(denied, "AccessDenied")


@pytest.mark.parametrize("role", ["processor", "ingest"])
def test_both_roles_see_a_missing_result_as_404(course, role):
    course.deploy_aws()
    assumed = _assumed_processor if role == "processor" else _assumed_ingest
    keys = assumed(course)

    with iam_enforced(course.endpoint):
        s3 = aws_client("s3", **keys)
        missing = {
            prefix: _error_code(
                s3.head_object, Bucket=course.bucket, Key=f"{prefix}no-such-event"
            )
            for prefix in ("processed/", "failed/")
        }
        listed = s3.list_objects_v2(Bucket=course.bucket, Prefix="processed/")

    # Real S3 answers 403 here unless the role may list these keys; moto always
    # answers 404, so the grant itself is pinned in the next test.
    assert missing == {"processed/": "404", "failed/": "404"}
    assert listed["KeyCount"] == 0


@pytest.mark.parametrize(
    ("role", "policy"),
    [("processor", "processor-write-results"), ("ingest", "ingest-least-privilege")],
)
def test_both_roles_may_list_only_under_the_result_prefixes(course, role, policy):
    course.deploy_aws()
    document = aws_client("iam").get_role_policy(
        RoleName=f"{course.prefix}-{role}", PolicyName=policy
    )["PolicyDocument"]

    listing = [s for s in document["Statement"] if s["Action"] == "s3:ListBucket"]
    assert listing == [
        {
            "Sid": "ListResultKeysOnly",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{course.bucket}",
            "Condition": {"StringLike": {"s3:prefix": ["processed/*", "failed/*"]}},
        }
    ]


def test_ingest_role_may_read_results_but_not_write_them(course):
    course.deploy_aws()
    aws_client("s3").put_object(
        Bucket=course.bucket, Key="processed/e1.jpg", Body=b"jpeg"
    )
    keys = _assumed_ingest(course)

    with iam_enforced(course.endpoint):
        s3 = aws_client("s3", **keys)
        body = s3.get_object(Bucket=course.bucket, Key="processed/e1.jpg")["Body"]
        assert body.read() == b"jpeg"
        put = _error_code(
            s3.put_object, Bucket=course.bucket, Key="processed/e2.jpg", Body=b"x"
        )
    assert put == "AccessDenied"


def test_ingest_role_policy_names_only_its_own_logs_and_the_results(course):
    course.deploy_aws()
    iam = aws_client("iam")

    role = f"{course.prefix}-ingest"
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == [
        "ingest-least-privilege"
    ]
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    document = iam.get_role_policy(RoleName=role, PolicyName="ingest-least-privilege")
    grants = {
        action: statement["Resource"]
        for statement in document["PolicyDocument"]["Statement"]
        for action in (
            statement["Action"]
            if isinstance(statement["Action"], list)
            else [statement["Action"]]
        )
    }
    log_group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/{role}:*"
    assert grants == {
        "logs:CreateLogStream": log_group,
        "logs:PutLogEvents": log_group,
        "s3:GetObject": [
            f"arn:aws:s3:::{course.bucket}/processed/*",
            f"arn:aws:s3:::{course.bucket}/failed/*",
        ],
        "s3:ListBucket": f"arn:aws:s3:::{course.bucket}",
    }


def test_teardown_removes_everything_deploy_made_and_says_so(course):
    course.deploy_aws()
    aws_client("s3").put_object(Bucket=course.bucket, Key="processed/e1.jpg", Body=b"x")

    output = course.run("teardown", "--aws")

    prefix = course.prefix
    assert output.rstrip().endswith(
        "Removed:\n"
        f"  - Lambda function {prefix}-ingest\n"
        f"  - CloudWatch log group /aws/lambda/{prefix}-ingest\n"
        f"  - S3 bucket {prefix}-results\n"
        f"  - IAM role {prefix}-ingest: policy ingest-least-privilege\n"
        f"  - IAM role /{prefix}/{prefix}-ingest\n"
        f"  - IAM role {prefix}-processor: policy processor-write-results\n"
        f"  - IAM role /{prefix}/{prefix}-processor\n"
        f"  - local file $LAB_BUILD_DIR/{prefix}-ingest-deploy.zip"
    )
    assert "-> removed 1 object versions" in output
    tagged = aws_client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "course", "Values": [prefix]}]
    )
    assert tagged["ResourceTagMappingList"] == []
    assert aws_client("iam").list_roles(PathPrefix=f"/{prefix}/")["Roles"] == []


def test_teardown_removes_the_ssm_parameter_an_earlier_deploy_wrote(course):
    course.deploy_aws()
    name = f"/{course.prefix}/ingest/gcp-credential-config"
    ssm = aws_client("ssm")
    ssm.put_parameter(
        Name=name,
        Value=json.dumps(CREDENTIAL_CONFIG),
        Type="String",
        Tags=[{"Key": "course", "Value": course.prefix}],
    )

    output = course.run("teardown", "--aws")

    assert f"  - SSM parameter {name}\n" in output
    assert _error_code(ssm.get_parameter, Name=name) == "ParameterNotFound"


def test_teardown_twice_finds_nothing_the_second_time(course):
    course.deploy_aws()
    course.run("teardown", "--aws")

    again = course.run("teardown", "--aws")

    assert again.rstrip().endswith(
        "Nothing to remove: nothing carries the course's tag any more."
    )
    assert "-> found none" in again


def test_teardown_leaves_alone_what_deploy_did_not_make(course):
    course.deploy_aws()
    s3 = aws_client("s3")
    s3.create_bucket(Bucket=f"{course.prefix}-mine")
    s3.put_bucket_tagging(
        Bucket=f"{course.prefix}-mine",
        Tagging={"TagSet": [{"Key": "course", "Value": course.prefix}]},
    )
    s3.create_bucket(Bucket=f"{course.prefix}-untagged")

    course.run("teardown", "--aws")

    left = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    assert {f"{course.prefix}-mine", f"{course.prefix}-untagged"} <= left
    assert course.bucket not in left
