import { Button, Group, Modal, NativeSelect, Stack, TagsInput, TextInput, Textarea } from "@mantine/core";
import { useState } from "react";
import { ProblemAlert } from "@/components/ProblemAlert";
import type { Schemas } from "@/lib/api/client";
import { t } from "@/lib/strings";
import { useRegisterSystem, type AISystem } from "../api/systems";

export const LIFECYCLE_STAGES: Schemas["LifecycleStage"][] = [
  "inception",
  "design_and_development",
  "verification_and_validation",
  "deployment",
  "operation_and_monitoring",
  "re_evaluation",
  "retirement",
];

export function RegisterSystem({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (s: AISystem) => void }) {
  const register = useRegisterSystem();
  const [form, setForm] = useState({
    name: "",
    purpose: "",
    owner: "",
    business_unit: "",
    sourcing: "bought" as Schemas["Sourcing"],
    lifecycle_stage: "deployment" as Schemas["LifecycleStage"],
    deployment_regions: [] as string[],
    tags: [] as string[],
  });
  const set = <K extends keyof typeof form>(k: K, v: (typeof form)[K]) => {
    setForm((f) => ({ ...f, [k]: v }));
  };
  return (
    <Modal opened={opened} onClose={onClose} title={t.systems.register} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          register.mutate(
            { ...form, business_unit: form.business_unit || null },
            { onSuccess: (s) => { onCreated(s); } },
          );
        }}
      >
        <Stack>
          <ProblemAlert error={register.error} />
          <TextInput label={t.systems.name} required value={form.name} onChange={(e) => { set("name", e.currentTarget.value); }} data-autofocus />
          <Textarea label={t.systems.purpose} required value={form.purpose} onChange={(e) => { set("purpose", e.currentTarget.value); }} />
          <Group grow>
            <TextInput label={t.systems.owner} required value={form.owner} onChange={(e) => { set("owner", e.currentTarget.value); }} />
            <TextInput label={t.systems.businessUnit} value={form.business_unit} onChange={(e) => { set("business_unit", e.currentTarget.value); }} />
          </Group>
          <Group grow>
            <NativeSelect
              label={t.systems.sourcing}
              value={form.sourcing}
              data={Object.entries(t.systems.sourcingLabels).map(([value, label]) => ({ value, label }))}
              onChange={(e) => { set("sourcing", e.currentTarget.value as Schemas["Sourcing"]); }}
            />
            <NativeSelect
              label={t.systems.lifecycle}
              value={form.lifecycle_stage}
              data={LIFECYCLE_STAGES.map((v) => ({ value: v, label: v.replaceAll("_", " ") }))}
              onChange={(e) => { set("lifecycle_stage", e.currentTarget.value as Schemas["LifecycleStage"]); }}
            />
          </Group>
          <TagsInput label={t.systems.regions} description={t.systems.regionsHelp} value={form.deployment_regions} onChange={(v) => { set("deployment_regions", v.map((x) => x.toUpperCase())); }} />
          <TagsInput label={t.systems.tags} value={form.tags} onChange={(v) => { set("tags", v); }} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t.common.cancel}
            </Button>
            <Button type="submit" loading={register.isPending}>
              {t.systems.register}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
