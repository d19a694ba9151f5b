import { Center, Paper, Stack, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { t } from "@/lib/strings";

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Center mih="100vh" p="md" component="main" id="main">
      <Paper withBorder shadow="sm" p="xl" w={420} maw="100%">
        <Stack>
          <div>
            <div style={{ fontWeight: 700 }}>{t.appName}</div>
            <Title order={1} size="h2">
              {title}
            </Title>
          </div>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}
