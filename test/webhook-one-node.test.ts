// One-node clusters (issue 15 item 9): the availability defaults make chart 2.6.5 render a PodDisruptionBudget
// (minAvailable 1) over 2 replicas, which `kubectl drain` cannot get past on a single node; the values the
// README shows render none. Rendered with the lab's reading of the chart's templates (test/lab/chart.ts).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { buildWebhookValues } from "../src/webhook/webhook-values";
import { renderChart } from "./lab/chart";

const README = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
const PKI = { caBundle: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n", cert: "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n", key: "K" };
const ONE_NODE = { replicaCount: 1, podDisruptionBudget: { enabled: false } };

describe("one-node clusters and the webhook's PodDisruptionBudget", () => {
    it("the defaults render 2 replicas under a PodDisruptionBudget of minAvailable 1 (a drain on one node waits forever)", () => {
        const chart = renderChart(buildWebhookValues({ region: "eu-west-1" }, PKI), "kube-system");
        assert.deepEqual(chart.podDisruptionBudget?.spec, { minAvailable: 1, selector: { matchLabels: chart.podLabels } });
    });

    it("the README's one-node values render one replica and no PodDisruptionBudget", () => {
        assert.ok(README.includes("webhook: { values: { replicaCount: 1, podDisruptionBudget: { enabled: false } } },"), "the README shows these values");
        const values = buildWebhookValues({ region: "eu-west-1", values: ONE_NODE }, PKI);
        assert.equal(values.replicaCount, 1);
        assert.equal(renderChart(values, "kube-system").podDisruptionBudget, undefined);
        // Either change alone is enough for the chart (pdb.yaml needs enabled and more than one replica).
        assert.equal(renderChart(buildWebhookValues({ region: "eu-west-1", values: { replicaCount: 1 } }, PKI), "kube-system").podDisruptionBudget, undefined);
        assert.equal(renderChart(buildWebhookValues({ region: "eu-west-1", values: { podDisruptionBudget: { enabled: false } } }, PKI), "kube-system").podDisruptionBudget, undefined);
    });
});
