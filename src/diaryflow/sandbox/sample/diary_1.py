"""Sample diary, first weeks of the window (days -55 to -36 before the anchor)."""
# ruff: noqa: E501  (prose is kept one paragraph per line)
# fmt: off

from __future__ import annotations

from diaryflow.sandbox.sample.defs import Diary

ENTRIES = (
    Diary(-55, "22:30", "工作", "平静", "订单系统重构第二阶段启动", tags=("订单系统", "规划"), rel=("p-order",), people=("wangke", "chenmo"), icon="🚀", body="""
## 今天的会
上午和@user(wangke)、@user(chenmo)过了第二阶段的范围。第一阶段把下单服务拆出来了，但支付和履约还在单体里，所有的*跨库事务*都靠一个很老的补偿脚本兜底。
这次定下来的拆分顺序：
1. 支付回调先改成消息驱动
  1. 回调入口只做验签和落库，其余逻辑异步
  2. 补一张幂等表
    1. 唯一键用「渠道 + 渠道流水号」
    2. 过期数据按月归档
2. 对账任务按渠道并行
3. 履约服务最后拆，等仓库那边的接口改完
**最大的风险**是老接口的调用方太多，光通知到人就要一周。
[x] 把会议纪要发到群里
[x] 和@user(chenmo)分好工：他负责对账，我负责回调
[ ] 周五前画完新的时序图
"""),
    Diary(-54, "07:20", "健康", "平静", "河边慢跑五公里", tags=("跑步",), body="""
六点半醒了就没再睡着，干脆下楼跑步。河边人不多，风有点凉。
五公里跑了 31 分钟，比上个月慢，但膝盖没疼，先恢复习惯再说配速。
"""),
    Diary(-54, "21:10", "学习", "开心", "Rust 所有权终于有点感觉了", tags=("Rust",), rel=("p-rust",), body="""
看官方书第四章看了三遍，今天写小例子的时候终于不用对着编译器猜了。
```Rust
fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

fn main() {
    let s1 = String::from("订单");
    let result;
    {
        let s2 = String::from("支付回调");
        result = longest(s1.as_str(), s2.as_str());
        println!("{result}");
    }
}
```
> 借用检查器不是在跟你作对，它是在替你做以前要靠 code review 才能发现的事。
明天继续看生命周期省略规则。
"""),
    Diary(-53, "+1 08:40", "工作", "疲惫", "预发环境压测第一轮", tags=("压测", "性能"), rel=("p-order",), people=("zhaoyifan",), body="""
昨晚压到十一点多，回家倒头就睡，早上补记一下。
@user(zhaoyifan)帮忙搭的压测环境，400 并发时一切正常，加到 800 就开始出错。
::table
  | 并发 | QPS | P99 | 错误率 |
  | 200 | 1020 | 180ms | 0% |
  | 400 | 1850 | 620ms | 0.2% |
  | 800 | 2930 | 910ms | 1.4% |
错误基本都是数据库连接获取超时。压测脚本留个底：
```Shell
k6 run --vus 800 --duration 15m \\
  -e BASE_URL=https://order-pre.internal \\
  scripts/place_order.js
```
! ⚠️ 预发库和生产库的连接池配置不一样，这轮数据只能看趋势，不能直接换算成线上容量。
"""),
    Diary(-51, "20:45", "生活", "开心", "新家的第一顿饭", tags=("搬家", "做饭"), body="""
搬完家第一次开火。厨房比以前的大一倍，终于可以同时开两个灶了。
::image https://images.example.com/linxiao/2025/new-kitchen.jpg | 新厨房，灶台还没来得及贴防油纸
今天做的菜：
- 番茄炒蛋
  - 番茄先用开水烫一下去皮
  - 鸡蛋炒到七分熟先盛出来
    - 这一步是妈妈教的，炒老了就不嫩了
- 清炒油麦菜
- 电饭煲焖的杂粮饭
---
还缺的东西：晾衣架、门口的鞋柜、一盏落地灯。过两天去趟宜家。
"""),
    Diary(-50, "22:50", "阅读", "平静", "读《数据密集型应用系统设计》第五章：复制", tags=("DDIA", "分布式"), date_style="slash", body="""
这一章讲复制，主从、多主、无主三种模型。印象最深的是复制延迟带来的几种异常。
> 如果应用在读从库时能容忍几秒甚至几分钟的延迟，那这就不是问题；否则你就得认真考虑它。
>> 读自己的写（read-your-writes）
  用户刚改完资料，刷新后却看到旧数据。解决办法：用户读自己的资料时走主库，或者记住最后一次写入的时间戳。
>> 单调读
  同一个用户连续两次读落到不同的从库，看到的数据「倒退」了。按用户 ID 哈希固定到某个从库就行。
>> 一致前缀读
  因果相关的写入在不同分区里以错误顺序被看到。
无主复制那一节的法定人数条件：
$$ w + r > n
也就是说只要写入确认数 $w$ 与读取数 $r$ 之和大于副本数 $n$，读就一定能读到最新值——前提是没有并发写和节点故障。
"""),
    Diary(-49, "21:35", "工作", "一般", "一次不太愉快的代码评审", tags=("代码评审",), people=("chenmo",), body="""
给@user(chenmo)的对账 PR 提了十几条意见，他有点不高兴，下午在群里说我「吹毛求疵」。
回头看，有几条确实是个人偏好，比如变量命名，不该和真正的问题混在一起提。真正的问题是这个：
```Python
def reconcile(orders, bills):
    result = []
    for order in orders:
        for bill in bills:  # O(n*m)，账单一多就卡死
            if bill.order_no == order.order_no:
                result.append((order, bill))
    return result
```
改成先按 `order_no` 建字典，就是线性的。这条我坚持。
~~下次评审前先跟他当面聊~~ 已经聊过了，他接受了字典的改法，命名那几条我撤回了。
以后评审意见分成「必须改」和「建议」两类，参考的是[谷歌的代码评审指南](https://google.github.io/eng-practices/review/)。
"""),
    Diary(-48, "12:40", "生活", "平静", "午休时给妈妈打了电话", tags=("家人",), body="""
妈妈说爸爸最近血压有点高，医生让少吃咸的。他嘴上答应，晚饭还是要就着咸菜。
约好了下个月他们来我这边住几天，顺便去医院复查一下。
"""),
    Diary(-48, "23:05", "工作", "焦虑", "Redis 连接池又报警了", tags=("Redis", "线上问题"), rel=("q-redis", "p-order"), body="""
晚上九点多下单接口超时告警，和几个月前那次一模一样，日志里又是拿不到连接。之前的记录在@page(q-redis)。
! 🔥 九点零五分到九点二十分，下单成功率从 99.6% 掉到 93%，影响大约 1400 单。
排查下来是新上线的「购物车批量查价」没走 pipeline，又把连接占满了。请求链路：
```Mermaid
sequenceDiagram
    participant C as 客户端
    participant O as 下单服务
    participant I as 库存服务
    participant R as Redis
    C->>O: 提交订单
    O->>I: 批量查询库存
    loop 每个商品
        I->>R: GET stock:{sku}
    end
    I-->>O: 库存结果
    O-->>C: 下单结果
```
临时把连接池上限调到 160，明天改代码。问题记录里补了这次的时间线：
::link q-redis
同一个坑踩两次，说明上次的改进项里少了一条：**新接口上线前要过一遍 Redis 调用方式的检查**。
"""),
    Diary(-47, "22:15", "学习", "开心", "看了一场关于可观测性的分享", tags=("可观测性",), body="""
部门技术分享，讲的是用 OpenTelemetry 把日志、指标、链路串起来。最有用的一点：每条日志都带上 trace_id，排查时从告警直接跳到链路。
::bookmark https://opentelemetry.io/docs/concepts/signals/ | OpenTelemetry 的三种信号
分享人推荐的一个演讲，回家看完了，讲高基数指标的代价：
::embed https://www.youtube.com/watch?v=EVqPfzQ5u6I | 可观测性演讲录像
想在订单服务里先试试：下单接口的每个阶段打 span，看看到底时间花在哪。
"""),
    Diary(-46, "22:00", "工作", "平静", "把每日复盘做成模板", tags=("效率",), body="""
最近每天下班前都要花十分钟想今天干了啥，干脆做个模板，点一下就能生成固定的结构。
::template 新建今日复盘
  ### 今天完成
  - 写下今天做完的事，一行一件
  ### 遇到的问题
  - 卡住的地方、还没想明白的地方
  ### 明天计划
  [ ] 明天最重要的一件事
另外把每周都要提醒自己的几件事做成同步块，以后在别的日记里引用同一份：
::synced weekly-reminders
  - 周一：看一遍上周的线上告警
  - 周三：和@user(chenmo)同步对账进度
  - 周五：更新项目进度，写周复盘
"""),
    Diary(-44, "19:30", "健康", "焦虑", "体检报告出来了", tags=("体检",), files=( ("2025年度体检报告.pdf", "https://files.example.com/linxiao/health/checkup-report.pdf"), ), body="""
报告出来了，大部分正常，有三项需要注意：
- 甘油三酯偏高
- 轻度脂肪肝
- 颈椎生理曲度变直
::file https://files.example.com/linxiao/health/checkup-report.pdf | 体检报告原件
医生的建议很朴素：少喝含糖饮料，每周运动三次以上，工作一小时起来活动一下。
[ ] 买一个升降桌
[ ] 戒掉下午的奶茶
[x] 预约三个月后复查
"""),
    Diary(-43, "21:00", "生活", "开心", "爸妈来住几天", tags=("家人",), date_style="empty", body="""
下午去高铁站接的爸妈。爸爸一进门就说新家采光好，妈妈则直奔厨房看锅碗瓢盆全不全。
晚饭妈妈做了红烧鱼和炖排骨，我已经很久没吃得这么撑了。
明天上午带爸爸去医院复查血压，请了半天假。
"""),
    Diary(-42, "22:20", "工作", "平静", "灰度配置漂移的两个方案", tags=("发布", "配置中心"), rel=("q-gray", "p-order"), body="""
上周灰度和生产行为不一致的问题，今天定了方向。两个方案对比：
::columns
  ::column
    ### 方案 A：人工对齐
    - 发布前人工比对两个命名空间
    - 成本低，今天就能做
    - 但靠人一定会漏
  ::column
    ### 方案 B：单一来源生成
    - 配置写在仓库里的一份 YAML
    - 流水线生成两个环境的配置并自动 diff
    - 要改发布流程，大概三天工作量
最后选了 B，王珂同意给三天时间。A 作为这三天里的临时措施。
"""),
    Diary(-41, "23:10", "学习", "平静", "rustlings 做到了 traits", tags=("Rust",), rel=("p-rust",), body="""
今天做完了 traits 这一组练习，有两个点卡了很久：
1. 为外部类型实现外部 trait 不被允许（孤儿规则）
2. `impl Trait` 作参数和泛型约束基本等价，但作返回值时只能返回一种具体类型
```Rust
trait Summary {
    fn summarize(&self) -> String {
        String::from("（暂无摘要）")
    }
}

struct Order { no: String, amount: u64 }

impl Summary for Order {
    fn summarize(&self) -> String {
        format!("订单 {} 金额 {} 分", self.no, self.amount)
    }
}
```
进度大概是全部练习的 60%。
"""),
    Diary(-40, "07:50", "健康", "开心", "间歇跑", tags=("跑步",), body="""
第一次试 400 米间歇，八组，每组之间慢跑 200 米。最后两组腿像灌了铅，但跑完很爽。
"""),
    Diary(-40, "22:40", "工作", "疲惫", "连续第三天加班", tags=("加班",), rel=("p-order",), body="""
回调改造要赶在下周联调前提测，这三天都是十点以后才走。
效率其实不高，晚上八点以后写的代码第二天基本都要重看一遍。明天开始强制自己九点前走。
"""),
    Diary(-38, "21:50", "工作", "开心", "压测第三轮，P99 降到 280ms", tags=("压测", "性能"), rel=("p-order",), people=("zhaoyifan",), edited="+2d 10:15", body="""
调了两处之后第三轮压测结果很好看：1200 并发下 P99 280ms，错误率 0.05%，已经达到这一阶段的目标。
调优点：
- 数据库连接池从 50 调到 120
- 下单接口里查用户等级和查优惠券两次串行 RPC 改成并行
详细数据整理在子页面里：
::page s-loadtest
谢谢@user(zhaoyifan)陪我熬了三个晚上。
"""),
    Diary(-36, "21:20", "健康", "开心", "把跑步记录整理成表", tags=("跑步",), body="""
手表 App 的记录太散，建了一个小表格专门记跑步，以后每次跑完填一行。
::database runs
最近五周一共跑了五次，总共 31 公里，比之前多了一倍。
"""),
)
