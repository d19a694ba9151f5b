export { FillAssessment } from "./routes/FillAssessment";
export { AssessmentResult } from "./routes/AssessmentResult";
export { ReviewInbox } from "./routes/ReviewInbox";
export { ReviewAssessment } from "./routes/ReviewAssessment";
