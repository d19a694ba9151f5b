export { Inventory } from "./routes/Inventory";
export { SystemPage } from "./routes/SystemPage";
