import { Center, Loader } from "@mantine/core";
import { t } from "@/lib/strings";

export function PageLoader() {
  return (
    <Center py="xl">
      <Loader aria-label={t.common.loading} />
    </Center>
  );
}
