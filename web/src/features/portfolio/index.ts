export { Portfolio } from "./routes/Portfolio";
