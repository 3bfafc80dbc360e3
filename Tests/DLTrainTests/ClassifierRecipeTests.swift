import Testing
import DLCore
@testable import DLTrain

@Suite struct ClassifierRecipeTests {
    @Test func recipeTrainsAndReportsConsistentFigures() throws {
        let data = try CSVLoader.classification(path: TestData.path("digits.csv"), classes: 10)
        let result = try ClassifierRecipe(hidden: [32], epochs: 8, seed: 3).train(data)
        #expect(result.testMetrics["accuracy"]! > 0.9)
        // The confusion matrix's diagonal is the accuracy.
        let correct = (0..<10).reduce(0) { $0 + result.confusion.counts[$1][$1] }
        #expect(abs(Float(correct) / Float(result.test.count) - result.testMetrics["accuracy"]!) < 1e-6)
        #expect(result.report.contains("confusion matrix"))
        #expect(throws: DLError.self) {
            try ClassifierRecipe().train(try Dataset(features: [1, 2], sampleShape: [1], targets: .values([0, 1], shape: [1])))
        }
    }
}
