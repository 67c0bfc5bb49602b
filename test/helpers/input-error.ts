import { strict as assert } from "node:assert";

/** Asserts that `fn` throws an IrsaInputError whose message starts with `message` (argument, value, rule, and the fix when given). */
export function assertInputError(fn: () => unknown, message: string): void {
    assert.throws(fn, (err: Error) => {
        assert.equal(err.name, "IrsaInputError");
        assert.ok(err.message.startsWith(message), err.message);
        return true;
    });
}
