// Renaming the component: with `aliases: [{ name: <old name> }]` every child keeps its URN, so a rename
// replaces nothing. The monitor here does not take alias specs, so the SDK itself computes each child's alias
// URNs (its rule: a child whose name starts with the parent's name is aliased to the old parent's name) and
// sends them in the requests; the test compares them with the URNs a run under the old name registered.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { registeredUrns, setupMocks } from "./helpers/pulumi-mocks";
import { engineRequests, recordEngineRequests } from "./helpers/engine-requests";

setupMocks();
recordEngineRequests({ sdkComputesAliases: true });
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const { key, settleAll } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");

describe("renaming SelfHostedIrsa with an alias", () => {
    it("sends, for every child of the renamed component, an alias equal to its URN under the old name", async () => {
        const args = { region: "eu-west-1", bucketNamespace: "global" as const, bucketName: "rename-oidc", signingKey: { privateKeyPem: key("rsa2048.pkcs8.pem") } };
        const old = new SelfHostedIrsa("cluster-irsa", args);
        old.roleFor("team-a", "reader", "arn:aws:iam::aws:policy/ReadOnlyAccess");
        await settleAll();
        const oldUrns = new Set(registeredUrns().filter((u) => u.split("::").pop()!.startsWith("cluster-irsa")));
        assert.ok(oldUrns.size >= 15, `${oldUrns.size} resources under the old name`);

        const renamed = new SelfHostedIrsa("prod-irsa", args, { aliases: [{ name: "cluster-irsa" }] });
        renamed.roleFor("team-a", "reader", "arn:aws:iam::aws:policy/ReadOnlyAccess");
        await settleAll();
        const requests = engineRequests.filter((r) => r.name.startsWith("prod-irsa"));
        assert.equal(requests.length, oldUrns.size, "the same resources, one for one");
        // The component itself is a child of the stack, which mocks do not register: its `{ name }` alias goes
        // to the engine as given. Every direct child must carry the alias the SDK derived from it; deeper
        // resources (the Role under roleFor's IrsaRole) get theirs from the engine, which applies each parent's
        // aliases to its children in turn (alias specs), a step this SDK-only path does not take.
        const componentUrn = registeredUrns().find((u) => u.endsWith("SelfHostedIrsa::prod-irsa"))!;
        const children = requests.filter((r) => r.parent === componentUrn);
        assert.ok(children.length >= 14, `${children.length} direct children`);
        assert.ok(children.some((r) => r.type === "selfhosted-irsa:index:IrsaRole"), "roleFor's IrsaRole is among them");
        for (const request of children) {
            const kept = request.aliasUrns.filter((u) => oldUrns.has(u));
            assert.equal(kept.length, 1, `${request.type}::${request.name} has an alias to its old URN: ${request.aliasUrns.join(", ")}`);
        }
    });
});
