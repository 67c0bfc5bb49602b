// "Is this value known now": one module, one meaning (src/common/known.ts), and Laters computed once.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { checked, combine, isKnown, isLater, isPending, Later } from "../src/common/known";

describe("known now", () => {
    it("an Output (the SDK's own) and a promise are pending; nothing else is", () => {
        const output = pulumi.output("x");
        assert.equal(pulumi.Output.isInstance(output), true);
        assert.equal(isPending(output), true);
        assert.equal(isPending(Promise.resolve("x")), true);
        for (const value of [undefined, null, "", 0, false, "x", [], {}, [pulumi.output("x")], { a: pulumi.output("x") }]) {
            assert.equal(isPending(value), false, String(value));
        }
    });
    it("known means nothing pending at any depth; undefined and null are known (left out)", () => {
        for (const value of [undefined, null, "x", 3, true, [], {}, ["a", ["b"]], { a: { b: ["c"] } }]) {
            assert.equal(isKnown(value), true, JSON.stringify(value));
        }
        for (const value of [pulumi.output("x"), Promise.resolve(1), ["a", pulumi.output("b")], { a: { b: [Promise.resolve(1)] } }]) {
            assert.equal(isKnown(value), false);
        }
    });
});

describe("planned values", () => {
    it("checked: now when known, a Later otherwise; undefined stays undefined", () => {
        const twice = (v: number) => v * 2;
        assert.equal(checked(2, twice), 4);
        assert.equal(checked(undefined, twice), undefined);
        assert.ok(isLater(checked(Promise.resolve(2), twice)));
    });
    it("a Later computes once, however many consumers evaluate it, and rethrows the same error", () => {
        let calls = 0;
        const leaf = Promise.resolve(1);
        const shared = new Later([leaf], ([v]) => {
            calls++;
            return (v as number) + 1;
        });
        const a = combine([shared, 10], ([s, t]) => (s as number) + (t as number));
        const b = combine([shared], ([s]) => (s as number) * 3);
        assert.ok(isLater(a) && isLater(b));
        const resolved = new Map<unknown, unknown>([[leaf, 1]]);
        assert.equal((a as Later<number>).evaluate(resolved), 12);
        assert.equal((b as Later<number>).evaluate(resolved), 6);
        assert.equal(calls, 1);
        let failures = 0;
        const failing = new Later([leaf], () => {
            failures++;
            throw new Error("bad");
        });
        const errors = [0, 1].map(() => {
            try {
                failing.evaluate(resolved);
            } catch (e) {
                return e;
            }
            return undefined;
        });
        assert.equal(failures, 1);
        assert.equal(errors[0], errors[1]);
    });
    it("a Later's leaves are the pending Inputs under it, each once", () => {
        const x = Promise.resolve("x");
        const inner = new Later([x, "known"], ([v]) => v);
        const outer = new Later([inner, x, 3], ([v]) => v);
        assert.deepEqual(outer.leaves(), [x]);
    });
});
