// Account-level S3 Block Public Access and the two hostings (README "When it does not work"): S3's own rule for a
// public policy, modelled in test/helpers/s3-public-policy-model.ts, says the S3 hosting's policy is public (so the
// account's block refuses it) and the CloudFront hosting's is not (so it is the fix that keeps the block).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { publicReadPolicy } from "../src/aws/hosting";
import { cloudFrontReadPolicy } from "../src/aws/cloudfront-settings";
import { isPublicBucketPolicy } from "./helpers/s3-public-policy-model";
import { REPO_ROOT } from "./helpers/plugin-host";

const BUCKET = "arn:aws:s3:::irsa-oidc";
const KEYS = [".well-known/openid-configuration", "openid/v1/jwks"];
const DISTRIBUTION = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD632BHDS5";

describe("S3 Block Public Access and the hostings' bucket policies", () => {
    it("the model itself: anyone is public, a fixed principal or a fixed SourceArn is not, a wildcard SourceArn is", () => {
        assert.equal(isPublicBucketPolicy({ Statement: [{ Effect: "Allow", Principal: "*" }] }), true);
        assert.equal(isPublicBucketPolicy({ Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" } }] }), false);
        assert.equal(isPublicBucketPolicy({ Statement: [{ Effect: "Allow", Principal: "*", Condition: { StringEquals: { "AWS:SourceArn": DISTRIBUTION } } }] }), false);
        assert.equal(isPublicBucketPolicy({ Statement: [{ Effect: "Allow", Principal: "*", Condition: { StringLike: { "AWS:SourceArn": "arn:aws:cloudfront::*" } } }] }), true);
        assert.equal(isPublicBucketPolicy({ Statement: [{ Effect: "Deny", Principal: "*" }] }), false);
    });
    it("S3 hosting's policy is public: an account-level BlockPublicPolicy refuses it", () => {
        assert.equal(isPublicBucketPolicy(publicReadPolicy(BUCKET, KEYS)), true);
    });
    it("CloudFront hosting's policy is not public: it works under the account's block", () => {
        assert.equal(isPublicBucketPolicy(cloudFrontReadPolicy(BUCKET, KEYS, DISTRIBUTION)), false);
    });
    it("the README's \"When it does not work\" says so and points to CloudFront hosting", () => {
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("## When it does not work"), readme.indexOf("## Testing and what is not tested here"));
        assert.match(section, /account-level[\s\S]*Block Public Access[\s\S]*AccessDenied/);
        assert.match(section, /\*\*CloudFront hosting\*\* \(`hosting: \{ kind: "cloudfront" \}`/);
    });
});
