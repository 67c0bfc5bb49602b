// roleFor's names (issue 15 item 5): unambiguous child and IAM role names for every pair of valid inputs, and as
// long as 0.2's, so a role keeps Pulumi's auto-name exactly when it did. Plain unit tests.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { AWS_AUTONAME_SUFFIX, explicitNameIfNeeded, fitsRule, IAM_ROLE_NAME_RULE } from "../src/common/derived-names";
import { validateDns1123Label, validateDns1123Subdomain } from "../src/kubernetes/names";
import { legacyRoleForName, roleForName } from "../src/plans/role-plan";

/** Every string over `alphabet` of length 1..max that `valid` accepts. */
function names(alphabet: string, max: number, valid: (s: string) => boolean): string[] {
    const out: string[] = [];
    const walk = (prefix: string): void => {
        if (prefix.length > 0 && valid(prefix)) out.push(prefix);
        if (prefix.length < max) for (const c of alphabet) walk(prefix + c);
    };
    walk("");
    return out;
}
const accepts = (check: (s: string) => unknown) => (s: string) => {
    try {
        check(s);
        return true;
    } catch {
        return false;
    }
};

// Short names over the characters that make joins ambiguous: '-' in both, '.' in ServiceAccount names, and the
// wildcards of subjectMatch "wildcard"; component names with '-', '_' and '.' (a component name is free text).
const NAMESPACES = [...names("ab-", 5, accepts((s) => validateDns1123Label(s, "namespace"))), "team-*", "?", "*"];
const SERVICE_ACCOUNTS = [...names("ab-.", 4, accepts((s) => validateDns1123Subdomain(s, "serviceAccount"))), "*", "a-?"];
const COMPONENTS = ["a", "a-a", "a-a-a", "a_a", "a_a_a", "a.a", "a-", "a_", "cluster-irsa"];

describe("roleFor names", () => {
    it("the 0.2 names collided: team-a + reader and team + a-reader", () => {
        assert.equal(legacyRoleForName("c", "team-a", "reader"), legacyRoleForName("c", "team", "a-reader"));
        assert.notEqual(roleForName("c", "team-a", "reader"), roleForName("c", "team", "a-reader"));
    });

    it(`no two (component, namespace, ServiceAccount) share a name (${COMPONENTS.length} x ${NAMESPACES.length} x ${SERVICE_ACCOUNTS.length} inputs)`, () => {
        assert.ok(NAMESPACES.length > 50 && SERVICE_ACCOUNTS.length > 30, `${NAMESPACES.length} namespaces, ${SERVICE_ACCOUNTS.length} service accounts`);
        const seen = new Map<string, string>();
        let legacyCollisions = 0;
        const legacy = new Set<string>();
        for (const c of COMPONENTS) {
            for (const ns of NAMESPACES) {
                for (const sa of SERVICE_ACCOUNTS) {
                    const key = JSON.stringify([c, ns, sa]);
                    const name = roleForName(c, ns, sa);
                    assert.equal(seen.get(name) ?? key, key, `${name} is the name of both ${seen.get(name)} and ${key}`);
                    seen.set(name, key);
                    const old = legacyRoleForName(c, ns, sa);
                    legacyCollisions += legacy.has(old) ? 1 : 0;
                    legacy.add(old);
                }
            }
        }
        // The same inputs collided under the 0.2 names: the test would have caught it.
        assert.ok(legacyCollisions > 1000, `${legacyCollisions} collisions under the 0.2 names`);
    });

    it("the role's IAM name: the same auto-name decision as 0.2 (same length, IAM characters), and derived names differ", () => {
        const long = "prod-cluster-irsa-eu-central-1-blue-green";
        const pairs: Array<[string, string]> = [];
        for (const ns of ["team-a", "team", "monitoring", "kube-system", "a-b-c"]) {
            for (const sa of ["reader", "a-reader", "kube-prometheus-stack-operator", "b-c-reader", "c-reader"]) pairs.push([ns, sa]);
        }
        const iamNames = new Map<string, string>();
        for (const c of ["c", long]) {
            for (const [ns, sa] of pairs) {
                const name = `${roleForName(c, ns, sa)}-role`;
                const old = `${legacyRoleForName(c, ns, sa)}-role`;
                assert.equal(name.length, old.length);
                assert.equal(fitsRule(name, IAM_ROLE_NAME_RULE, AWS_AUTONAME_SUFFIX), fitsRule(old, IAM_ROLE_NAME_RULE, AWS_AUTONAME_SUFFIX), name);
                const derived = explicitNameIfNeeded(name, IAM_ROLE_NAME_RULE, AWS_AUTONAME_SUFFIX);
                if (derived !== undefined) {
                    assert.match(derived, /^[\w+=,.@-]{1,64}$/);
                    assert.equal(iamNames.get(derived) ?? name, name, `${derived} for both ${iamNames.get(derived)} and ${name}`);
                    iamNames.set(derived, name);
                }
            }
        }
        // The long component makes derived names; among them the 0.2 twins (team-a + reader, team + a-reader).
        assert.ok(iamNames.size >= 20, `${iamNames.size} derived IAM names`);
        assert.notEqual(explicitNameIfNeeded(`${roleForName(long, "team-a", "b-c-reader")}-role`, IAM_ROLE_NAME_RULE, AWS_AUTONAME_SUFFIX), explicitNameIfNeeded(`${roleForName(long, "team-a-b", "c-reader")}-role`, IAM_ROLE_NAME_RULE, AWS_AUTONAME_SUFFIX));
    });
});
