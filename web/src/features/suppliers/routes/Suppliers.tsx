import { Anchor, Button, Group, Modal, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { TierBadge } from "@/components/TierBadge";
import { can, useMe } from "@/lib/session";
import { t } from "@/lib/strings";
import { useCreateSupplier, useRequests, useSuppliers } from "../api/suppliers";
import { RequestsTable } from "../components/RequestsTable";

function AddSupplier({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = useCreateSupplier();
  const navigate = useNavigate();
  const [form, setForm] = useState({ name: "", country: "", website: "", contact: "", email: "" });
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => { setForm({ ...form, [k]: e.currentTarget.value }); };
  return (
    <Modal opened={opened} onClose={onClose} title={t.suppliers.add} closeButtonProps={{ "aria-label": t.common.cancel }}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(
            {
              name: form.name,
              ...(form.country ? { country: form.country.toUpperCase() } : {}),
              ...(form.website ? { website: form.website } : {}),
              contacts: form.email ? [{ name: form.contact || form.email, email: form.email }] : [],
            },
            { onSuccess: (s) => void navigate(`/suppliers/${s.id}`) },
          );
        }}
      >
        <Stack>
          <TextInput label={t.systems.name} required value={form.name} onChange={set("name")} />
          <TextInput label={t.suppliers.country} description={t.suppliers.countryHelp} maxLength={2} value={form.country} onChange={set("country")} />
          <TextInput label={t.suppliers.website} value={form.website} onChange={set("website")} />
          <TextInput label={t.suppliers.contactName} value={form.contact} onChange={set("contact")} />
          <TextInput label={t.suppliers.contactEmail} type="email" value={form.email} onChange={set("email")} />
          <ProblemAlert error={create.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t.common.cancel}
            </Button>
            <Button type="submit" loading={create.isPending}>
              {t.suppliers.add}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Procurement's start: suppliers with their tier, and every vendor request, overdue first. */
export function Suppliers() {
  const me = useMe();
  const [q, setQ] = useState("");
  const suppliers = useSuppliers(q);
  const requests = useRequests();
  const [adding, setAdding] = useState(false);
  const names = new Map((suppliers.data?.items ?? []).map((s) => [s.id, s.name]));
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t.suppliers.title}</Title>
        {can(me.data, "procurement") && <Button onClick={() => { setAdding(true); }}>{t.suppliers.add}</Button>}
      </Group>
      <TextInput label={t.systems.search} type="search" value={q} onChange={(e) => { setQ(e.currentTarget.value); }} w={320} />
      <ProblemAlert error={suppliers.error ?? requests.error} />
      {suppliers.isLoading ? (
        <PageLoader />
      ) : (
        <Table striped highlightOnHover aria-label={t.suppliers.title}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t.systems.name}</Table.Th>
              <Table.Th>{t.systems.tier}</Table.Th>
              <Table.Th>{t.suppliers.country}</Table.Th>
              <Table.Th>{t.suppliers.website}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(suppliers.data?.items ?? []).map((s) => (
              <Table.Tr key={s.id} data-testid={`supplier-row-${s.name}`}>
                <Table.Td>
                  <Anchor component={Link} to={`/suppliers/${s.id}`}>
                    {s.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <TierBadge tier={s.tier} size="sm" />
                </Table.Td>
                <Table.Td>{s.country ?? "—"}</Table.Td>
                <Table.Td>{s.website ?? "—"}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {suppliers.data?.items.length === 0 && <Text>{t.suppliers.empty}</Text>}
      <Title order={2} size="h3" mt="lg">
        {t.suppliers.requests}
      </Title>
      {requests.data && <RequestsTable requests={requests.data} supplierName={(id) => names.get(id) ?? "…"} />}
      <AddSupplier opened={adding} onClose={() => { setAdding(false); }} />
    </Stack>
  );
}
