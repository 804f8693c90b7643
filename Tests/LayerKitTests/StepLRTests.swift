import Testing
@testable import LayerKit

@Suite("StepLR")
struct StepLRTests {
    @Test("halves every stepSize epochs like torch.optim.lr_scheduler.StepLR(step_size=3, gamma=0.5)")
    func schedule() {
        let p = Parameter(Tensor.zeros([2]))
        let opt = Adam([p], lr: 0.1)
        let scheduler = StepLR(opt, stepSize: 3, gamma: 0.5)
        var rates: [Double] = []
        for _ in 0..<7 {
            rates.append(opt.lr)
            scheduler.step()
        }
        // PyTorch: [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025] (get_last_lr() before each step).
        #expect(rates == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])
        #expect(scheduler.epoch == 7)
        #expect(scheduler.currentLR == 0.025)
        #expect(opt.lr == 0.025)
    }

    @Test("drives any optimizer: SGD's rate follows the schedule too")
    func sgd() {
        let opt = SGD([Parameter(Tensor.zeros([1]))], lr: 1)
        let scheduler = StepLR(opt, stepSize: 1, gamma: 0.1)
        scheduler.step()
        scheduler.step()
        #expect(abs(opt.lr - 0.01) < 1e-15)
    }
}
