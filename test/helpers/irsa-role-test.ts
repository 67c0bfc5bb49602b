// Shared by the IrsaRole mock tests. Import AFTER setupMocks(): it loads the IrsaRole module.
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, promiseOf, resources } from "./pulumi-mocks";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { IrsaRole } = require("../../src/components/irsa-role") as typeof import("../../src/components/irsa-role");
type IrsaRoleArgs = import("../../src/components/irsa-role").IrsaRoleArgs;

export const T = {
    component: "selfhosted-irsa:index:IrsaRole",
    role: "aws:iam/role:Role",
    inline: "aws:iam/rolePolicy:RolePolicy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
};

/** Waits until every registration of the program so far has finished (what the runtime awaits at exit). */
export const drained = (): Promise<void> => (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
/** Recorded children of one IrsaRole (their names start with `<name>-`), as "type::name". */
export const childrenOf = (name: string): string[] => resources.filter((r) => r.name.startsWith(`${name}-`)).map((r) => `${r.type}::${r.name}`).sort();
/** Exactly one recorded resource of this type and name. */
export const one = (type: string, name: string): RecordedResource => {
    const found = resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `one ${type} ${name}`);
    return found[0];
};
/** Makes an IrsaRole and waits until it and its children are registered. */
export async function make(name: string, args: IrsaRoleArgs, opts?: pulumi.ComponentResourceOptions): Promise<InstanceType<typeof IrsaRole>> {
    const role = new IrsaRole(name, args, opts);
    await promiseOf(role.roleArn);
    await drained();
    return role;
}
