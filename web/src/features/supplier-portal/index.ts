export { SupplierPortal } from "./routes/SupplierPortal";
