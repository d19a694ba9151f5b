export { Suppliers } from "./routes/Suppliers";
export { SupplierProfile } from "./routes/SupplierProfile";
export { SupplierRequest } from "./routes/SupplierRequest";
