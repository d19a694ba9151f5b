import { Card, Stack, Table, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { ProblemAlert } from "@/components/ProblemAlert";

interface Props {
  title: string;
  empty: string;
  headers: string[];
  rows: ReactNode[][];
  /** The form that adds a row (left out for people who only read). */
  form: ReactNode;
  /** An error no field of the form shows. */
  error: unknown;
}

/** A list kept on the incident (corrective actions, reports sent): a table, then a form adding to it. */
export function ListPanel({ title, empty, headers, rows, form, error }: Props) {
  return (
    <Card withBorder>
      <Stack>
        <Title order={2}>{title}</Title>
        {rows.length === 0 ? (
          <Text size="sm">{empty}</Text>
        ) : (
          <Table aria-label={title}>
            <Table.Thead>
              <Table.Tr>
                {headers.map((h) => (
                  <Table.Th key={h}>{h}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((cells, i) => (
                <Table.Tr key={i}>
                  {cells.map((cell, j) => (
                    <Table.Td key={j}>{cell}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {form}
        <ProblemAlert error={error} />
      </Stack>
    </Card>
  );
}
